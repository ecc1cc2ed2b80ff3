"""What the library holds goes with the words it was made from: a member's forget-me and
the retention period take featured answers and their search-index rows with them, on
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from bot.domain.model import CommunitySettings
from tests.care.care_support import button, press
from tests.core.test_library import _featured, _search
from tests.support import JO, MAYA, Harness, harness

ENTRY = (
    "Froze in the SQL screen",
    "My mind went blank on joins.",
    "Practise SQL joins out loud the day before.",
    "Technical interviews",
    "Practise joins out loud",
)


async def _library_rows(h: Harness) -> tuple[int, int]:
    async with h.core.store.engine.connect() as db:
        featured = (await db.execute(text("SELECT count(*) FROM featured_answer"))).scalar_one()
        indexed = (await db.execute(text("SELECT count(*) FROM library_search"))).scalar_one()
    return int(featured), int(indexed)


async def _forget(h: Harness, member_id: str) -> None:
    member = JO if member_id == JO.user_id else MAYA
    asked = await h.command(member, "rebound", "forget-me")
    await press(h, member, button(asked, "rb:forget:"))


async def test_forgetting_the_replier_takes_their_answer_out_of_the_library(
    database_url: str,
) -> None:
    async with harness(database_url) as h:
        await _featured(h, ENTRY)
        assert await _search(h, "joins") == ["Practise joins out loud"]

        await _forget(h, JO.user_id)

        assert await _search(h, "joins") == []
        assert await _library_rows(h) == (0, 0)


async def test_forgetting_the_poster_takes_the_answers_to_their_post_out(
    database_url: str,
) -> None:
    async with harness(database_url) as h:
        await _featured(h, ENTRY)

        await _forget(h, MAYA.user_id)

        assert await _search(h, "blank") == []
        assert await _library_rows(h) == (0, 0)


async def test_retention_takes_old_answers_out_of_the_library(database_url: str) -> None:
    keep = CommunitySettings(helpers_channel="helpers", retention_days=30)
    async with harness(database_url, keep) as h:
        await _featured(h, ENTRY)
        assert (await _library_rows(h))[0] == 1

        await h.wait(timedelta(days=31))

        assert await _search(h, "joins") == []
        assert await _library_rows(h) == (0, 0)
