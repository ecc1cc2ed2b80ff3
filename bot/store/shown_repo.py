"""Which version of each post's status message the platform was last given (see
bot/engine/ordered_edits.py): turns to edit it, one sender at a time, and the version shown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, case, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store import leases
from bot.store.prepared import prepared
from bot.store.statements import STATUS_SHOWN, insert_for

_MINE = (
    STATUS_SHOWN.c.setback_id == bindparam("b_id"),
    STATUS_SHOWN.c.lease_owner == bindparam("b_owner"),
)
_FREED = {"lease_owner": None, "lease_until": None}
_CURRENT = STATUS_SHOWN.c.version
_AT = STATUS_SHOWN.c.lease_until.type
# Every status edit goes through these: built once (see bot/store/statements.py).
_END_TURN = prepared(update(STATUS_SHOWN).where(*_MINE).values(_FREED))
_END_TURN_SHOWN = prepared(
    update(STATUS_SHOWN)
    .where(*_MINE)
    .values(
        version=case((bindparam("b_shown") > _CURRENT, bindparam("b_shown")), else_=_CURRENT),
        **_FREED,
    )
)

# The turn goes on to the post's next edit in the same send: the version noted (when one
# was sent), the lease renewed; nothing returned when the turn is no longer the sender's.
_KEEP_TURN = prepared(
    update(STATUS_SHOWN)
    .where(*_MINE)
    .values(
        version=case((bindparam("b_shown") > _CURRENT, bindparam("b_shown")), else_=_CURRENT),
        lease_until=bindparam("b_until", type_=_AT),
    )
    .returning(STATUS_SHOWN.c.version)
)


@dataclass(frozen=True)
class _Dialect:
    take_turn: Any


@cache
def _statements(dialect: str) -> _Dialect:
    insert = insert_for(dialect)
    statement = insert(STATUS_SHOWN).values(
        setback_id=bindparam("b_id"),
        version=0,
        lease_owner=bindparam("b_owner"),
        lease_until=bindparam("b_until"),
    )
    take_turn = statement.on_conflict_do_update(
        index_elements=[STATUS_SHOWN.c.setback_id],
        set_={"lease_owner": bindparam("b_owner"), "lease_until": bindparam("b_until", type_=_AT)},
        where=leases.is_free(STATUS_SHOWN, bindparam("b_now", type_=_AT)),
    ).returning(STATUS_SHOWN.c.version)
    return _Dialect(take_turn=prepared(take_turn))


class ShownRepo:
    def __init__(self, connection: AsyncConnection, insert: Any) -> None:
        self._db = connection
        self._insert = insert

    async def take_turn(self, setback_id: int, lease: leases.Lease) -> int | None:
        """Become the one sender of the post's status edits until `lease.until`; returns the
        version shown so far (0 for none), or None while another sender has the turn."""
        params = {
            "b_id": setback_id,
            "b_owner": lease.owner,
            "b_until": lease.until,
            "b_now": lease.now,
        }
        statement = _statements(self._db.dialect.name).take_turn
        shown: int | None = (await self._db.execute(statement, params)).scalar()
        return shown

    async def turn_ends_at(self, setback_id: int) -> datetime | None:
        """When the sender holding the post's turn lets it go at the latest (None: free)."""
        query = select(STATUS_SHOWN.c.lease_until).where(STATUS_SHOWN.c.setback_id == setback_id)
        until: datetime | None = (await self._db.execute(query)).scalar()
        return until

    async def end_turn(self, setback_id: int, owner: str, shown: int | None) -> None:
        """Give the turn back, noting `shown` as sent (when something was)."""
        params: dict[str, Any] = {"b_id": setback_id, "b_owner": owner}
        if shown is None:
            await self._db.execute(_END_TURN, params)
        else:
            await self._db.execute(_END_TURN_SHOWN, {**params, "b_shown": shown})

    async def keep_turn(self, setback_id: int, lease: leases.Lease, shown: int | None) -> bool:
        """Note `shown` as sent (when something was) and hold the turn (`lease.owner`) on
        until `lease.until`, for the post's next edit; False if it is no longer held."""
        params = {"b_id": setback_id, "b_owner": lease.owner, "b_shown": shown or 0}
        result = await self._db.execute(_KEEP_TURN, {**params, "b_until": lease.until})
        return result.first() is not None
