"""Leasing rows to one worker: the claim both the scheduler and the outbox rely on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, RowMapping, Table, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection


@dataclass(frozen=True)
class Lease:
    owner: str
    now: datetime
    until: datetime


def is_free(table: Table, now: datetime | BindParameter[datetime]) -> ColumnElement[bool]:
    """Nobody holds the row, or their lease has run out."""
    return or_(table.c.lease_until.is_(None), table.c.lease_until <= now)


async def take(
    db: AsyncConnection,
    table: Table,
    lease: Lease,
    *,
    where: Sequence[ColumnElement[bool]],
    order_by: ColumnElement[Any],
    limit: int,
    also_set: Mapping[str, Any] | None = None,
) -> Sequence[RowMapping]:
    """Lease up to `limit` free rows matching `where`, in one statement.

    On PostgreSQL the rows are picked `FOR UPDATE SKIP LOCKED`, so concurrent workers take
    different rows; SQLite's single writer serialises them anyway.
    """
    free = is_free(table, lease.now)
    picked = (
        select(table.c.id)
        .where(free, *where)
        .order_by(order_by)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    statement = (
        update(table)
        .where(table.c.id.in_(picked.scalar_subquery()), free)
        .values(lease_owner=lease.owner, lease_until=lease.until, **(also_set or {}))
        .returning(*table.c)
    )
    return (await db.execute(statement)).mappings().all()
