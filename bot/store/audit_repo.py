"""The moderators' audit log: rows are only ever added and read (a trigger on both
databases refuses UPDATE and DELETE; see migration 0009_library)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.tables import AuditEntryRow

AUDIT = AuditEntryRow


@dataclass(frozen=True, kw_only=True)
class AuditEntry:
    """One moderator action. `member_id` is who it was done to, never an anonymous poster."""

    action: str
    actor_id: str
    actor_name: str
    reason: str = ""
    setback_id: int | None = None
    reply_id: int | None = None
    member_id: str | None = None
    id: int = 0
    created_at: datetime | None = None


def _entry(row: RowMapping) -> AuditEntry:
    return AuditEntry(
        id=row["id"],
        action=row["action"],
        actor_id=row["actor_id"],
        actor_name=row["actor_name"],
        reason=row["reason"],
        setback_id=row["setback_id"],
        reply_id=row["reply_id"],
        member_id=row["member_id"],
        created_at=row["created_at"],
    )


class AuditRepo:
    def __init__(self, connection: AsyncConnection) -> None:
        self._db = connection

    async def record(self, community_id: str, entry: AuditEntry, now: datetime) -> None:
        values: dict[str, Any] = {
            "community_id": community_id,
            "actor_id": entry.actor_id,
            "actor_name": entry.actor_name,
            "action": entry.action,
            "setback_id": entry.setback_id,
            "reply_id": entry.reply_id,
            "member_id": entry.member_id,
            "reason": entry.reason,
            "created_at": now,
        }
        await self._db.execute(AUDIT.insert().values(**values))

    async def latest(
        self,
        community_id: str,
        *,
        setback_id: int | None = None,
        member_id: str | None = None,
        before_id: int | None = None,
        limit: int = 10,
    ) -> list[AuditEntry]:
        """Newest first; `before_id` pages back. A member filter matches what they did and
        what was done to them."""
        statement = select(AUDIT).where(AUDIT.c.community_id == community_id)
        if setback_id is not None:
            statement = statement.where(AUDIT.c.setback_id == setback_id)
        if member_id is not None:
            statement = statement.where(
                or_(AUDIT.c.actor_id == member_id, AUDIT.c.member_id == member_id)
            )
        if before_id is not None:
            statement = statement.where(AUDIT.c.id < before_id)
        rows = await self._db.execute(statement.order_by(AUDIT.c.id.desc()).limit(limit))
        return [_entry(row) for row in rows.mappings()]
