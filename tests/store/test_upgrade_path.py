"""Upgrading a database made by the first migration, holding real rows, through every
migration to the newest: the rows survive and the core reads them (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.migrate import upgrade
from bot.store.ops_repo import head_revision, schema_state
from bot.store.repo import OutboxState, Store
from bot.store.types import UTCDateTime
from tests.store.test_migrations import engine

__all__ = ["engine"]  # the fixture: an engine on an empty database

FIRST = "0001"
COMMUNITY_ID = "slack:T0UPGRADE"
WHEN = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SETTINGS = {"support_channel": "C0SUPPORT", "locale": "en", "appreciation_emoji": "+1"}


def _table(name: str, *columns: sa.ColumnClause[object]) -> sa.TableClause:
    return sa.table(name, *columns)


def c(name: str, kind: object = None) -> sa.ColumnClause[object]:
    return sa.column(name, kind)  # type: ignore[arg-type]


COMMUNITY = _table(
    "community", c("id"), c("platform"), c("settings", sa.JSON), c("created_at", UTCDateTime)
)
SETBACK = _table(
    "setback",
    *(
        c(n)
        for n in (
            "id",
            "community_id",
            "poster_id",
            "poster_name",
            "anonymous",
            "pseudonym",
            "title",
            "body",
            "stage",
            "kind",
            "source",
            "channel_id",
            "thread_ref",
            "stop_asking",
            "still_waiting_count",
        )
    ),
    c("tags", sa.JSON),
    c("created_at", UTCDateTime),
    c("last_activity_at", UTCDateTime),
    c("outcome_ask_at", UTCDateTime),
)
REPLY = _table(
    "reply",
    *(
        c(n)
        for n in (
            "id",
            "community_id",
            "setback_id",
            "author_id",
            "author_name",
            "by_poster",
            "relayed",
            "text",
            "message_ref",
            "deleted",
        )
    ),
    c("created_at", UTCDateTime),
)
FOLLOW_UP = _table(
    "follow_up",
    *(c(n) for n in ("id", "community_id", "platform", "setback_id", "kind", "attempts")),
    c("due_at", UTCDateTime),
)
OUTBOUND = _table(
    "outbound",
    *(
        c(n)
        for n in ("id", "community_id", "platform", "source", "seq", "attempts", "delivered_ref")
    ),
    c("intent", sa.JSON),
    c("created_at", UTCDateTime),
    c("next_try_at", UTCDateTime),
    c("delivered_at", UTCDateTime),
)
PROCESSED = _table(
    "processed_event", c("community_id"), c("event_id"), c("received_at", UTCDateTime)
)


async def _fill_first_schema(engine: AsyncEngine) -> None:
    async with engine.begin() as db:
        await db.execute(
            sa.insert(COMMUNITY).values(
                id=COMMUNITY_ID, platform="slack", settings=SETTINGS, created_at=WHEN
            )
        )
        await db.execute(
            sa.insert(SETBACK).values(
                id=1,
                community_id=COMMUNITY_ID,
                poster_id="U0LENA",
                poster_name="Lena",
                anonymous=True,
                pseudonym="the poster",
                title="Froze in the panel",
                body="It went badly. ✨ Ünïcode survives.",
                stage="final_round",
                kind="went_badly",
                source="form",
                channel_id="C0SUPPORT",
                thread_ref="C0SUPPORT:1.1",
                stop_asking=False,
                still_waiting_count=0,
                tags=["panel"],
                created_at=WHEN,
                last_activity_at=WHEN,
                outcome_ask_at=WHEN + timedelta(days=12),
            )
        )
        await db.execute(
            sa.insert(REPLY).values(
                id=1,
                community_id=COMMUNITY_ID,
                setback_id=1,
                author_id="U0PRIYA",
                author_name="Priya",
                by_poster=False,
                relayed=False,
                text="Write to the recruiter.",
                message_ref="C0SUPPORT:1.2",
                deleted=False,
                created_at=WHEN,
            )
        )
        await db.execute(
            sa.insert(FOLLOW_UP).values(
                id=1,
                community_id=COMMUNITY_ID,
                platform="slack",
                setback_id=1,
                kind="outcome_ask",
                attempts=0,
                due_at=WHEN + timedelta(days=12),
            )
        )
        intent = {"__type__": "Send", "text": "queued before the upgrade"}
        await db.execute(
            sa.insert(OUTBOUND).values(
                id=1,
                community_id=COMMUNITY_ID,
                platform="slack",
                source="event:Ev1",
                seq=0,
                attempts=0,
                intent=intent,
                created_at=WHEN,
                next_try_at=WHEN,
                delivered_ref=None,
                delivered_at=None,
            )
        )
        await db.execute(
            sa.insert(PROCESSED).values(community_id=COMMUNITY_ID, event_id="Ev1", received_at=WHEN)
        )


async def test_rows_made_at_the_first_migration_survive_every_later_one(
    engine: AsyncEngine,
) -> None:
    await upgrade(engine, FIRST)
    assert (await schema_state(engine)).current == FIRST
    await _fill_first_schema(engine)

    await upgrade(engine)

    assert (await schema_state(engine)).current == head_revision()
    store = Store(engine)
    try:
        async with store.transaction() as repo:
            found = await repo.community(COMMUNITY_ID)
            assert found is not None
            assert found[0] == "slack"
            assert found[1].support_channel == "C0SUPPORT"
            post = (await repo.posts_by_id(COMMUNITY_ID, [1]))[1]
            assert post.title == "Froze in the panel"
            assert post.body == "It went badly. ✨ Ünïcode survives."
            assert post.anonymous
            assert post.thread_ref == "C0SUPPORT:1.1"
            assert await repo.event_seen(COMMUNITY_ID, "Ev1")
            counts = await repo.outbound.counts()
            assert counts[OutboxState.PENDING] == 1
            due = await repo.claim_due(
                WHEN + timedelta(days=13), ["slack"], "upgrade-test", WHEN + timedelta(days=14), 10
            )
            assert [(f.setback_id, f.kind.value) for f in due] == [(1, "outcome_ask")]
    finally:
        await store.dispose()
    async with engine.connect() as db:
        reply = (await db.execute(sa.text("SELECT text, author_id FROM reply WHERE id = 1"))).one()
        assert tuple(reply) == ("Write to the recruiter.", "U0PRIYA")
        row = (
            await db.execute(sa.text("SELECT attempts, gave_up_at FROM outbound WHERE id = 1"))
        ).one()
        assert tuple(row) == (0, None)
