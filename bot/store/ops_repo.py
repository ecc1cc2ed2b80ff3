"""What operators look at: whether the schema is current, and counts for the gauges.

Counts only: no row's content, member or text ever leaves here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.care_repo import CARE_PAUSE
from bot.store.member_data_repo import CARE_EVENT
from bot.store.migrate import database_revisions, head_revisions
from bot.store.repo import OutboundRepo
from bot.store.statements import ACCEPTED, COMMUNITY, FOLLOW_UP


def head_revision() -> str:
    """The newest migration this code ships."""
    return ",".join(sorted(head_revisions()))


@dataclass(frozen=True)
class SchemaState:
    current: str | None
    head: str

    @property
    def at_head(self) -> bool:
        return self.current == self.head


async def schema_state(engine: AsyncEngine) -> SchemaState:
    """Reaches the database (raises when it cannot) and reads its migration (without
    alembic, which a readiness probe would otherwise import into every process)."""
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
        current = ",".join(sorted(await database_revisions(connection))) or None
    return SchemaState(current, head_revision())


@dataclass(frozen=True)
class Counts:
    outbound: dict[str, int]
    follow_ups_due: dict[str, int]
    communities: dict[str, int]
    care_events: dict[str, int]  # crisis alerts, resumes, reveals: how many ever
    paused_posts: int  # posts whose asks wait for a moderator to resume them
    events_waiting: dict[str, int]  # events acknowledged and not decided yet, by platform


async def counts(engine: AsyncEngine, now: datetime) -> Counts:
    """Outbox rows by state, due follow-ups by kind, communities by platform."""
    async with engine.connect() as db:
        outbound = await OutboundRepo(db).counts()
        due = await db.execute(
            select(FOLLOW_UP.c.kind, func.count())
            .where(FOLLOW_UP.c.done_at.is_(None), FOLLOW_UP.c.due_at <= now)
            .group_by(FOLLOW_UP.c.kind)
        )
        served = await db.execute(
            select(COMMUNITY.c.platform, func.count()).group_by(COMMUNITY.c.platform)
        )
        care = await db.execute(select(CARE_EVENT.c.kind, func.count()).group_by(CARE_EVENT.c.kind))
        paused = await db.execute(select(func.count()).select_from(CARE_PAUSE))
        waiting = await db.execute(
            select(ACCEPTED.c.platform, func.count()).group_by(ACCEPTED.c.platform)
        )
        return Counts(
            outbound={state.value: n for state, n in outbound.items()},
            follow_ups_due={str(kind): int(n) for kind, n in due.all()},
            communities={str(platform): int(n) for platform, n in served.all()},
            care_events={str(kind): int(n) for kind, n in care.all()},
            paused_posts=int(paused.scalar_one()),
            events_waiting={str(platform): int(n) for platform, n in waiting.all()},
        )
