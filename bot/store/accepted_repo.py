"""Events stored before they are acknowledged, until their decision removes them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, delete, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.prepared import prepared
from bot.store.statements import ACCEPTED, insert_for


@dataclass(frozen=True)
class Accepted:
    """An event waiting for its decision, as it was stored (see bot/contract/event_codec)."""

    community_id: str
    event_id: str
    event: dict[str, Any]
    route: dict[str, Any]
    attempts: int


@cache
def _accept(dialect: str) -> Any:
    insert = insert_for(dialect)(ACCEPTED).on_conflict_do_nothing()
    return prepared(insert.returning(ACCEPTED.c.event_id))


_FORGET = prepared(
    delete(ACCEPTED).where(
        ACCEPTED.c.community_id == bindparam("b_community"),
        ACCEPTED.c.event_id == bindparam("b_event"),
    )
)


class AcceptedRepo:
    def __init__(self, connection: AsyncConnection) -> None:
        self._db = connection

    async def accept(
        self,
        community_id: str,
        event_id: str,
        *,
        platform: str,
        event: dict[str, Any],
        route: dict[str, Any],
        now: datetime,
    ) -> bool:
        """Keep `event` until it is decided; False when it is kept already (a redelivery
        of an event still waiting: its decision is someone's to make)."""
        params = {
            "community_id": community_id,
            "event_id": event_id,
            "platform": platform,
            "event": event,
            "route": route,
            "attempts": 0,
            "taken_at": now,
        }
        result = await self._db.execute(_accept(self._db.dialect.name), params)
        return result.first() is not None

    async def forget(self, community_id: str, event_id: str) -> None:
        """The event is decided (in this transaction)."""
        await self._db.execute(_FORGET, {"b_community": community_id, "b_event": event_id})

    async def take_waiting(
        self, platform: str, taken_before: datetime, now: datetime, limit: int
    ) -> list[Accepted]:
        """Events of `platform` whose last taking was at or before `taken_before` (whoever took
        them stopped), taken now: another replica takes them only once they wait again."""
        waiting = (
            select(ACCEPTED.c.community_id, ACCEPTED.c.event_id)
            .where(ACCEPTED.c.platform == platform, ACCEPTED.c.taken_at <= taken_before)
            .order_by(ACCEPTED.c.taken_at)
            .limit(limit)
            .with_for_update(skip_locked=True)  # PostgreSQL; SQLite's one writer serialises
        )
        taken = (
            update(ACCEPTED)
            .where(tuple_(ACCEPTED.c.community_id, ACCEPTED.c.event_id).in_(waiting))
            .values(taken_at=now, attempts=ACCEPTED.c.attempts + 1)
            .returning(*ACCEPTED.c)
        )
        return [
            Accepted(row.community_id, row.event_id, row.event, row.route, row.attempts)
            for row in await self._db.execute(taken)
        ]
