"""Care's rows: crisis alerts and resumes, paused posts, members' own settings."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from functools import cached_property
from typing import Any

from sqlalchemy import Select, and_, bindparam, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.member_data_repo import CARE_EVENT, MEMBER_SETTING, MemberDataRepo, RetentionRepo
from bot.store.prepared import prepared
from bot.store.statements import REPLY, SETBACK
from bot.store.tables import CarePauseRow

CARE_PAUSE = CarePauseRow


def previous_reply(setback_id: Any, before_id: Any) -> Select[Any]:
    """(author id, text) of the message just before reply `before_id` in the thread of
    post `setback_id` (each a bound parameter or a column), in community `b_community`."""
    return (
        select(REPLY.c.author_id, REPLY.c.text)
        .where(
            REPLY.c.community_id == bindparam("b_community"),
            REPLY.c.setback_id == setback_id,
            REPLY.c.id < before_id,
        )
        .order_by(REPLY.c.id.desc())
        .limit(1)
    )


PREVIOUS_REPLY = prepared(previous_reply(bindparam("b_id"), bindparam("b_before")))
_OPTED_OUT = prepared(
    select(MEMBER_SETTING.c.member_id).where(
        MEMBER_SETTING.c.community_id == bindparam("b_community"),
        MEMBER_SETTING.c.member_id.in_(bindparam("b_members", expanding=True)),
        MEMBER_SETTING.c.dm_opt_out.is_(True),
    )
)
# By primary key alone, the community checked on the rows found: with the community in the
# WHERE clause SQLite's planner walks the community's posts (see `posts_by_id`).
_HELD = prepared(
    select(SETBACK.c.id, SETBACK.c.community_id).where(
        SETBACK.c.id.in_(bindparam("b_ids", expanding=True)),
        or_(
            # their poster takes no DMs
            select(MEMBER_SETTING.c.member_id)
            .where(
                MEMBER_SETTING.c.community_id == SETBACK.c.community_id,
                MEMBER_SETTING.c.member_id == SETBACK.c.poster_id,
                MEMBER_SETTING.c.dm_opt_out.is_(True),
            )
            .exists(),
            # paused by an alert
            select(CARE_PAUSE.c.setback_id)
            .where(
                CARE_PAUSE.c.community_id == SETBACK.c.community_id,
                CARE_PAUSE.c.setback_id == SETBACK.c.id,
            )
            .exists(),
        ),
    )
)


class CareKind(StrEnum):
    ALERT = "alert"
    RESUME = "resume"
    REVEAL = "reveal"


class CareRepo:
    def __init__(self, connection: AsyncConnection, insert: Any) -> None:
        self._db = connection
        self._insert = insert
        # Members' DM choices read ahead for this transaction (`prefetch_dm_opt_outs`), so
        # a batch of follow-ups asks once; kept up to date by `set_dm_opt_out`.
        self._opted_out: dict[tuple[str, str], bool] = {}

    @cached_property
    def data(self) -> MemberDataRepo:
        return MemberDataRepo(self._db, self._insert)

    @cached_property
    def retention(self) -> RetentionRepo:
        return RetentionRepo(self._db)

    async def add_event(
        self,
        community_id: str,
        setback_id: int | None,
        kind: CareKind,
        member_id: str | None,
        *,
        now: datetime,
        reason: str | None = None,
    ) -> int:
        values = {
            "community_id": community_id,
            "setback_id": setback_id,
            "kind": kind.value,
            "member_id": member_id,
            "reason": reason,
            "created_at": now,
        }
        inserted = await self._db.execute(
            CARE_EVENT.insert().values(**values).returning(CARE_EVENT.c.id)
        )
        return int(inserted.scalar_one())

    async def events(self, community_id: str, setback_id: int) -> list[tuple[str, str | None]]:
        """(kind, member id) of a post's care events, oldest first."""
        rows = await self._db.execute(
            select(CARE_EVENT.c.kind, CARE_EVENT.c.member_id)
            .where(CARE_EVENT.c.community_id == community_id, CARE_EVENT.c.setback_id == setback_id)
            .order_by(CARE_EVENT.c.id)
        )
        return [(row.kind, row.member_id) for row in rows]

    async def alerted_since_resume(
        self, community_id: str, setback_id: int, member_id: str
    ) -> bool:
        """Whether `member_id`'s words on this post raised an alert not yet resumed."""
        on_post = and_(
            CARE_EVENT.c.community_id == community_id, CARE_EVENT.c.setback_id == setback_id
        )
        last_resume = (
            select(func.coalesce(func.max(CARE_EVENT.c.id), 0))
            .where(on_post, CARE_EVENT.c.kind == CareKind.RESUME.value)
            .scalar_subquery()
        )
        found = await self._db.execute(
            select(CARE_EVENT.c.id).where(
                on_post,
                CARE_EVENT.c.kind == CareKind.ALERT.value,
                CARE_EVENT.c.member_id == member_id,
                CARE_EVENT.c.id > last_resume,
            )
        )
        return found.first() is not None

    async def pause(self, community_id: str, setback_id: int, event_id: int, now: datetime) -> None:
        values = {
            "community_id": community_id,
            "setback_id": setback_id,
            "event_id": event_id,
            "paused_at": now,
        }
        await self._db.execute(self._insert(CARE_PAUSE).values(**values).on_conflict_do_nothing())

    async def resume(self, community_id: str, setback_id: int) -> bool:
        """Lift a post's pause; False if it was not paused (resumed already)."""
        done = await self._db.execute(
            delete(CARE_PAUSE).where(
                CARE_PAUSE.c.community_id == community_id, CARE_PAUSE.c.setback_id == setback_id
            )
        )
        return bool(done.rowcount)

    async def held(self, community_id: str, setback_ids: Iterable[int]) -> set[int]:
        """Posts whose asks wait: paused by an alert, or their poster takes no DMs."""
        rows = await self._db.execute(_HELD, {"b_ids": list(setback_ids)})
        return {row.id for row in rows if row.community_id == community_id}

    async def paused(self, community_id: str, setback_ids: Iterable[int]) -> set[int]:
        rows = await self._db.execute(
            select(CARE_PAUSE.c.setback_id).where(
                CARE_PAUSE.c.community_id == community_id,
                CARE_PAUSE.c.setback_id.in_(list(setback_ids)),
            )
        )
        return set(rows.scalars())

    async def previous_reply(
        self, community_id: str, setback_id: int, before_id: int
    ) -> tuple[str, str] | None:
        """(author id, text) of the message just before reply `before_id` in its thread."""
        params = {"b_community": community_id, "b_id": setback_id, "b_before": before_id}
        rows = await self._db.execute(PREVIOUS_REPLY, params)
        row = rows.first()
        return (row.author_id, row.text) if row else None

    # --- members' own settings -------------------------------------------------------------

    async def set_dm_opt_out(
        self, community_id: str, member_id: str, opted_out: bool, now: datetime
    ) -> None:
        values = {
            "community_id": community_id,
            "member_id": member_id,
            "dm_opt_out": opted_out,
            "updated_at": now,
        }
        statement = self._insert(MEMBER_SETTING).values(**values)
        await self._db.execute(
            statement.on_conflict_do_update(
                index_elements=["community_id", "member_id"],
                set_={"dm_opt_out": opted_out, "updated_at": now},
            )
        )
        if (community_id, member_id) in self._opted_out:
            self._opted_out[community_id, member_id] = opted_out

    async def prefetch_dm_opt_outs(self, community_id: str, member_ids: Iterable[str]) -> None:
        """Read these members' DM choices now, in one query, for the rest of the transaction
        (a firing batch: nothing in it forgets a member)."""
        wanted = list(set(member_ids))
        silent = await self._read_dm_opt_outs(community_id, wanted) if wanted else set()
        self._opted_out.update(((community_id, m), m in silent) for m in wanted)

    async def dm_opted_out(self, community_id: str, member_ids: Iterable[str]) -> set[str]:
        wanted = set(member_ids)
        known = self._opted_out
        unknown = [m for m in wanted if (community_id, m) not in known]
        silent = await self._read_dm_opt_outs(community_id, unknown) if unknown else set()
        return silent | {m for m in wanted if known.get((community_id, m))}

    async def _read_dm_opt_outs(self, community_id: str, wanted: list[str]) -> set[str]:
        params = {"b_community": community_id, "b_members": wanted}
        return set((await self._db.execute(_OPTED_OUT, params)).scalars())
