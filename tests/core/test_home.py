"""The member's home page: their own posts, their coming outcome asks, the template hint."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.model import Member
from bot.engine.home import home_page
from tests.support import COMMUNITY, JO, MAYA, harness

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
    assert len(posts.lines) == 2
    assert posts.lines[0].startswith("Froze in the take-home review: Open for replies.")
    assert not any("Jo's own" in line for line in posts.lines)
    assert len(asks.lines) == 1
    assert asks.lines[0].startswith("Froze in the take-home review: I'll ask you")
    assert "/template" in page.footer
    assert [len(s.lines) for s in empty.sections] == [1, 1]
    assert "not shared a setback" in empty.sections[0].lines[0]
