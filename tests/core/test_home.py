"""The member's home page: their own posts, their coming outcome asks, the template hint."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.model import Member
from bot.engine.home import home_page
from tests.support import COMMUNITY, JO, MAYA, START, harness, words

NOBODY = Member(user_id="U-nobody", display_name="Nobody")


async def test_the_home_page_lists_only_the_members_posts_and_pending_asks(
    database_url: str,
) -> None:
    async with harness(database_url) as h:
        await h.post(MAYA, title="Ghosted after the panel", ask_outcome_on="5d")
        await h.post(MAYA, title="Froze in the take-home review", ask_outcome_on="20d")
        await h.post(JO, title="Jo's own setback")
        await h.wait(timedelta(days=6))  # the first ask has gone out

        page = await home_page(h.core, COMMUNITY, MAYA)
        empty = await home_page(h.core, COMMUNITY, NOBODY)

    posts, asks = page.sections
    open_ = words("setback.status.open")
    shared = words("date.day", date=START)
    assert posts.lines == (  # newest first, and only hers
        words("home.post", title="Froze in the take-home review", status=open_, date=shared),
        words("home.post", title="Ghosted after the panel", status=open_, date=shared),
    )
    ask_day = words("date.day", date=START + timedelta(days=20))
    assert asks.lines == (words("home.ask", title="Froze in the take-home review", date=ask_day),)
    assert page.footer == words("home.templates")
    assert [s.lines for s in empty.sections] == [
        (words("home.no_posts"),),
        (words("home.no_asks"),),
    ]
