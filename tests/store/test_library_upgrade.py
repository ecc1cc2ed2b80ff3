"""Migration 0012_library_search on a library made before it (SQLite and PostgreSQL): featured
answers are indexed again in the engine's full text, best answers already marked join the
library, and the old term table goes."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.migrate import upgrade
from bot.store.repo import Store
from bot.store.types import UTCDateTime
from tests.store.test_migrations import _tables, engine
from tests.store.test_upgrade_path import (
    COMMUNITY_ID,
    REPLY,
    WHEN,
    _fill_first_schema,
    c,
)

__all__ = ["engine"]  # the fixture: an engine on an empty database

FEATURED = sa.table(
    "featured_answer",
    *(c(n) for n in ("id", "community_id", "reply_id", "setback_id", "topic", "summary")),
    c("featured_by"),
    c("featured_at", UTCDateTime),
    c("updated_at", UTCDateTime),
)
TERM = sa.table("library_term", c("community_id"), c("term"), c("featured_id"), c("weight"))
MARKED = sa.table("reply", c("id"), c("best_marked_at", UTCDateTime), c("best_marked_by"))


async def test_the_library_moves_to_full_text_with_best_answers_in_it(
    engine: AsyncEngine,
) -> None:
    await upgrade(engine, "0011")
    await _fill_first_schema(engine)
    async with engine.begin() as db:
        await db.execute(
            sa.insert(REPLY).values(
                id=2,
                community_id=COMMUNITY_ID,
                setback_id=1,
                author_id="U0JO",
                author_name="Jo",
                by_poster=False,
                relayed=False,
                text="Send a short thank-you note the same evening.",
                message_ref="C0SUPPORT:1.3",
                deleted=False,
                created_at=WHEN,
            )
        )
        await db.execute(
            sa.update(MARKED)
            .where(MARKED.c.id == 2)
            .values(best_marked_at=WHEN + timedelta(hours=1), best_marked_by="U0LENA")
        )
        inserted = await db.execute(
            sa.insert(FEATURED)
            .returning(FEATURED.c.id)
            .values(
                community_id=COMMUNITY_ID,
                reply_id=1,
                setback_id=1,
                topic="Follow-up messages",
                summary="Write to the recruiter",
                featured_by="U0SAM",
                featured_at=WHEN,
                updated_at=WHEN,
            )
        )
        await db.execute(
            sa.insert(TERM).values(
                community_id=COMMUNITY_ID,
                term="recruit",
                featured_id=inserted.scalar_one(),
                weight=1,
            )
        )

    await upgrade(engine)

    assert "library_term" not in await _tables(engine)
    store = Store(engine)
    try:
        async with store.transaction() as repo:
            (featured,) = await repo.library.search(COMMUNITY_ID, ["recruiters"])
            assert featured.featured.summary == "Write to the recruiter"
            assert featured.featured.by_moderator
            (best,) = await repo.library.search(COMMUNITY_ID, ["thank", "evening"])
            assert best.featured.reply_id == 2 and not best.featured.by_moderator
            assert best.featured.summary == "Send a short thank-you note the same evening."
            assert await repo.library.search(COMMUNITY_ID, ["panel"])  # the post's words too
    finally:
        await store.dispose()
