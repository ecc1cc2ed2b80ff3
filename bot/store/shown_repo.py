"""Which version of each post's status message the platform was last given (see
bot/engine/ordered_edits.py): turns to edit it, one sender at a time, and the version shown."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store import leases
from bot.store.statements import STATUS_SHOWN


class ShownRepo:
    def __init__(self, connection: AsyncConnection, insert: Any) -> None:
        self._db = connection
        self._insert = insert

    async def take_turn(self, setback_id: int, lease: leases.Lease) -> int | None:
        """Become the one sender of the post's status edits until `lease.until`; returns the
        version shown so far (0 for none), or None while another sender has the turn."""
        statement = self._insert(STATUS_SHOWN).values(
            setback_id=setback_id, version=0, lease_owner=lease.owner, lease_until=lease.until
        )
        statement = statement.on_conflict_do_update(
            index_elements=[STATUS_SHOWN.c.setback_id],
            set_={"lease_owner": lease.owner, "lease_until": lease.until},
            where=leases.is_free(STATUS_SHOWN, lease.now),
        ).returning(STATUS_SHOWN.c.version)
        shown: int | None = (await self._db.execute(statement)).scalar()
        return shown

    async def end_turn(self, setback_id: int, owner: str, shown: int | None) -> None:
        """Give the turn back, noting `shown` as sent (when something was)."""
        values: dict[str, Any] = {"lease_owner": None, "lease_until": None}
        if shown is not None:
            current = STATUS_SHOWN.c.version
            values["version"] = case((current < shown, shown), else_=current)
        await self._db.execute(
            update(STATUS_SHOWN)
            .where(STATUS_SHOWN.c.setback_id == setback_id, STATUS_SHOWN.c.lease_owner == owner)
            .values(**values)
        )
