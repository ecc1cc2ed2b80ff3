"""Leasing rows to one worker: the claim both the scheduler and the outbox rely on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    RowMapping,
    Table,
    Update,
    bindparam,
    false,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.prepared import prepared


@dataclass(frozen=True)
class Lease:
    owner: str
    now: datetime
    until: datetime


def is_free(table: Table, now: datetime | BindParameter[datetime]) -> ColumnElement[bool]:
    """Nobody holds the row, or their lease has run out."""
    return or_(table.c.lease_until.is_(None), table.c.lease_until <= now)


def now_param(table: Table) -> BindParameter[datetime]:
    """The claim's `now`, bound when it runs (`lease_params`)."""
    return bindparam("l_now", type_=table.c.lease_until.type)


def taking(
    table: Table,
    *,
    where: Sequence[ColumnElement[bool]],
    order_by: ColumnElement[Any],
    limit: int,
    also_set: Mapping[str, Any] | None = None,
) -> Update:
    """The statement that leases up to `limit` free rows matching `where`, built once by
    its caller (conditions on the time use `now_param`) and run with `lease_params`.

    On PostgreSQL the rows are picked `FOR UPDATE SKIP LOCKED`, so concurrent workers take
    different rows; SQLite's single writer serialises them anyway.
    """
    free = is_free(table, now_param(table))
    picked = (
        select(table.c.id)
        .where(free, *where)
        .order_by(order_by)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    owner = bindparam("l_owner", type_=table.c.lease_owner.type)
    until = bindparam("l_until", type_=table.c.lease_until.type)
    return prepared(
        update(table)
        .where(table.c.id.in_(picked.scalar_subquery()), free)
        .values(lease_owner=owner, lease_until=until, **(also_set or {}))
        .returning(*table.c)
    )


def lease_params(lease: Lease, **more: Any) -> dict[str, Any]:
    return {"l_now": lease.now, "l_owner": lease.owner, "l_until": lease.until, **more}


def in_values(column: ColumnElement[Any], values: Sequence[Any]) -> ColumnElement[bool]:
    """`column IN (values)` with the values fixed in the statement (one bound parameter
    each, no list expanded per run), for statements built once per set of values."""
    return or_(false(), *(column == literal(value, column.type) for value in values))


async def take(
    db: AsyncConnection, statement: Update, lease: Lease, **more: Any
) -> Sequence[RowMapping]:
    """Run a `taking` statement: the rows it leased, as they are now."""
    return (await db.execute(statement, lease_params(lease, **more))).mappings().all()
