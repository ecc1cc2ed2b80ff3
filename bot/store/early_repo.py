"""Thread events parked until their thread is recorded, and tombstones of deletions that
came before their message. Both are kept for a day (`KEPT_FOR`)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, bindparam, delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.prepared import prepared
from bot.store.statements import PARKED_EVENT, TOMBSTONE

KEPT_FOR = timedelta(days=1)
# Every recorded thread takes it (PostgreSQL): run on the driver, like the statements below.
_ADVISORY_LOCK = prepared(select(func.pg_advisory_xact_lock(bindparam("key", type_=BigInteger))))
# On every reply's path: built once (building a statement costs more than running it).
_IS_BURIED = prepared(
    select(TOMBSTONE.c.message_ref).where(
        TOMBSTONE.c.community_id == bindparam("b_community"),
        TOMBSTONE.c.message_ref == bindparam("b_ref"),
        TOMBSTONE.c.deleted_at >= bindparam("b_since"),
    )
)
# Every recorded thread looks here: one statement takes (and removes) what was parked.
_TAKE_PARKED = prepared(
    delete(PARKED_EVENT)
    .where(
        PARKED_EVENT.c.community_id == bindparam("b_community"),
        PARKED_EVENT.c.thread_ref == bindparam("b_thread"),
    )
    .returning(
        PARKED_EVENT.c.id,
        PARKED_EVENT.c.kind,
        PARKED_EVENT.c.event,
        PARKED_EVENT.c.received_at,
    )
)


@dataclass(frozen=True)
class Parked:
    kind: str
    event: dict[str, Any]


def lock_key(community_id: str, thread_ref: str) -> int:
    """A signed 64-bit key naming one thread, for PostgreSQL's advisory locks."""
    digest = hashlib.blake2b(f"{community_id}\x00{thread_ref}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class EarlyRepo:
    def __init__(self, connection: AsyncConnection, insert: Any) -> None:
        self._db = connection
        self._insert = insert

    async def lock_thread(self, community_id: str, thread_ref: str) -> None:
        """Hold `thread_ref` until the transaction ends, so parking an event for it and
        recording the thread (which replays what was parked) never interleave across
        replicas. On PostgreSQL an advisory lock; SQLite's single writer serialises already.
        The statement after it sees whatever the other side committed."""
        if self._db.dialect.name == "postgresql":
            await self._db.execute(_ADVISORY_LOCK, {"key": lock_key(community_id, thread_ref)})

    async def park(
        self, community_id: str, thread_ref: str, kind: str, event: dict[str, Any], now: datetime
    ) -> None:
        await self._db.execute(
            delete(PARKED_EVENT).where(PARKED_EVENT.c.received_at < now - KEPT_FOR)
        )
        await self._db.execute(
            PARKED_EVENT.insert().values(
                community_id=community_id,
                thread_ref=thread_ref,
                kind=kind,
                event=event,
                received_at=now,
            )
        )

    async def take_parked(self, community_id: str, thread_ref: str, now: datetime) -> list[Parked]:
        """The events parked for `thread_ref` (oldest first), removed from the park."""
        params = {"b_community": community_id, "b_thread": thread_ref}
        rows = (await self._db.execute(_TAKE_PARKED, params)).all()
        return [
            Parked(row.kind, row.event)
            for row in sorted(rows, key=lambda row: row.id)
            if row.received_at >= now - KEPT_FOR
        ]

    async def bury(self, community_id: str, message_ref: str, now: datetime) -> None:
        """Remember that `message_ref` was deleted before it was recorded."""
        await self._db.execute(delete(TOMBSTONE).where(TOMBSTONE.c.deleted_at < now - KEPT_FOR))
        statement = self._insert(TOMBSTONE).values(
            community_id=community_id, message_ref=message_ref, deleted_at=now
        )
        await self._db.execute(
            statement.on_conflict_do_update(
                index_elements=[TOMBSTONE.c.community_id, TOMBSTONE.c.message_ref],
                set_={"deleted_at": now},
            )
        )

    async def is_buried(self, community_id: str, message_ref: str, now: datetime) -> bool:
        params = {"b_community": community_id, "b_ref": message_ref, "b_since": now - KEPT_FOR}
        return (await self._db.execute(_IS_BURIED, params)).first() is not None
