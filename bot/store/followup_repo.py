"""Follow-ups: when each kind fires for a post, leased to one worker when due."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Insert, Update, bindparam, select, update

from bot.domain.model import FollowUp, FollowUpKind, Post
from bot.store import leases
from bot.store.prepared import prepared
from bot.store.records import follow_up_of
from bot.store.repo_base import RepoBase
from bot.store.statements import FOLLOW_UP, insert_for

_RELEASE_UNFINISHED = prepared(
    update(FOLLOW_UP)
    .where(
        FOLLOW_UP.c.id.in_(bindparam("b_ids", expanding=True)),
        FOLLOW_UP.c.lease_owner == bindparam("b_owner"),
        FOLLOW_UP.c.done_at.is_(None),
    )
    .values(lease_until=None, lease_owner=None)
)
_POSTPONE = prepared(
    update(FOLLOW_UP)
    .where(FOLLOW_UP.c.id == bindparam("b_id"), FOLLOW_UP.c.lease_owner == bindparam("b_owner"))
    .values(
        due_at=bindparam("b_due", type_=FOLLOW_UP.c.due_at.type), lease_until=None, lease_owner=None
    )
)
_WAKE_AT = bindparam("b_now", type_=FOLLOW_UP.c.due_at.type)
# By the post's own rows (the (setback_id, kind) key's index): a handful, whatever the table.
_WAKE_FOR_THREAD = prepared(
    update(FOLLOW_UP)
    .where(
        FOLLOW_UP.c.setback_id == bindparam("b_setback"),
        FOLLOW_UP.c.community_id == bindparam("b_community"),
        FOLLOW_UP.c.done_at.is_(None),
        FOLLOW_UP.c.due_at > _WAKE_AT,
        FOLLOW_UP.c.due_at <= bindparam("b_until", type_=FOLLOW_UP.c.due_at.type),
        leases.is_free(FOLLOW_UP, _WAKE_AT),
    )
    .values(due_at=_WAKE_AT)
)


# Bounded: one statement per dialect, number of kinds and `reopen`.
@lru_cache(maxsize=64)
def schedule_statement(dialect: str, rows: int, *, reopen: bool) -> Insert:
    """`rows` follow-ups of one post in one statement with one set of parameters, so the
    driver runs it straight (many sets would take SQLAlchemy's path on PostgreSQL)."""
    insert = insert_for(dialect)
    post = {
        "community_id": bindparam("b_community"),
        "platform": bindparam("b_platform"),
        "setback_id": bindparam("b_setback"),
        "attempts": 0,
    }
    due_at = FOLLOW_UP.c.due_at.type
    statement = insert(FOLLOW_UP).values(
        [
            {
                **post,
                "kind": bindparam(f"b_kind_{n}"),
                "due_at": bindparam(f"b_due_{n}", type_=due_at),
            }
            for n in range(rows)
        ]
    )
    scheduling: Insert = rescheduled(statement, reopen=reopen)
    return prepared(scheduling)


def rescheduled(statement: Any, *, reopen: bool) -> Any:
    """`statement` (an INSERT of follow-ups) moving a post's row of the same kind to the new
    time instead; a fired row only when `reopen`."""
    moved = {"due_at": statement.excluded.due_at, "done_at": None, "attempts": 0}
    return statement.on_conflict_do_update(
        index_elements=[FOLLOW_UP.c.setback_id, FOLLOW_UP.c.kind],
        set_=moved,
        where=None if reopen else FOLLOW_UP.c.done_at.is_(None),
    )


@dataclass(frozen=True)
class FollowUps:
    """When each kind of follow-up fires for a post on `platform` (see `schedule`)."""

    platform: str
    due: Mapping[FollowUpKind, datetime]

    def params(self, community_id: str, setback_id: int | None) -> dict[str, Any]:
        """The parameters of `schedule_statement` (the post's id left out when the statement takes
        it from a row it inserts)."""
        params: dict[str, Any] = {"b_community": community_id, "b_platform": self.platform}
        if setback_id is not None:
            params["b_setback"] = setback_id
        for n, (kind, due_at) in enumerate(self.due.items()):
            params[f"b_kind_{n}"], params[f"b_due_{n}"] = kind.value, due_at
        return params


# Bounded: a shard's set of guilds changes as servers add or remove the bot.
@lru_cache(maxsize=64)
def _claim_due(
    platforms: tuple[str, ...], limit: int, communities: tuple[str, ...] | None
) -> Update:
    scope = [] if communities is None else [leases.in_values(FOLLOW_UP.c.community_id, communities)]
    return leases.taking(
        FOLLOW_UP,
        where=[
            FOLLOW_UP.c.done_at.is_(None),
            FOLLOW_UP.c.due_at <= leases.now_param(FOLLOW_UP),
            leases.in_values(FOLLOW_UP.c.platform, platforms),
            *scope,
        ],
        order_by=FOLLOW_UP.c.due_at,
        limit=limit,
        also_set={"attempts": FOLLOW_UP.c.attempts + 1},
    )


class FollowUpRepo(RepoBase):
    """Scheduled follow-ups (exactly once: leased, then finished)."""

    # --- follow-ups -----------------------------------------------------------------------

    async def schedule(
        self,
        post: Post,
        platform: str,
        due: Mapping[FollowUpKind, datetime],
        *,
        reopen: bool,
    ) -> None:
        """Set when each kind fires for `setback`. A fired row comes back only when `reopen`."""
        if not due:
            return
        params = FollowUps(platform, due).params(post.community_id, post.id)
        await self._db.execute(schedule_statement(self._dialect, len(due), reopen=reopen), params)

    async def cancel(self, setback_id: int, kind: FollowUpKind, now: datetime) -> None:
        await self._cancel(
            now, FOLLOW_UP.c.setback_id == setback_id, FOLLOW_UP.c.kind == kind.value
        )

    async def follow_up_ids(self, setback_id: int) -> list[int]:
        rows = await self._db.execute(
            select(FOLLOW_UP.c.id).where(FOLLOW_UP.c.setback_id == setback_id)
        )
        return list(rows.scalars())

    async def cancel_all(self, setback_id: int, now: datetime) -> None:
        """Every pending follow-up of a post (it was withdrawn)."""
        await self._cancel(now, FOLLOW_UP.c.setback_id == setback_id)

    async def _cancel(self, now: datetime, *conditions: Any) -> None:
        await self._db.execute(
            update(FOLLOW_UP).where(*conditions, FOLLOW_UP.c.done_at.is_(None)).values(done_at=now)
        )

    async def pending_due_ats(
        self, setback_ids: Iterable[int], kind: FollowUpKind
    ) -> dict[int, datetime]:
        """When each post's pending follow-up of `kind` is due, for those that have one."""
        rows = await self._db.execute(
            select(FOLLOW_UP.c.setback_id, FOLLOW_UP.c.due_at).where(
                FOLLOW_UP.c.setback_id.in_(list(setback_ids)),
                FOLLOW_UP.c.kind == kind.value,
                FOLLOW_UP.c.done_at.is_(None),
            )
        )
        return {row.setback_id: row.due_at for row in rows}

    async def pending_due_at(self, setback_id: int, kind: FollowUpKind) -> datetime | None:
        row = await self._db.execute(
            select(FOLLOW_UP.c.due_at).where(
                FOLLOW_UP.c.setback_id == setback_id,
                FOLLOW_UP.c.kind == kind.value,
                FOLLOW_UP.c.done_at.is_(None),
            )
        )
        value: datetime | None = row.scalar()
        return value

    async def claim_due(
        self,
        now: datetime,
        platforms: Sequence[str],
        owner: str,
        lease_until: datetime,
        limit: int,
        *,
        communities: Collection[str] | None = None,
    ) -> list[FollowUp]:
        """Lease up to `limit` due rows to `owner`; concurrent workers take other rows. With
        `communities`, only theirs (the ones a worker serves: a Discord shard's guilds)."""
        scope = None if communities is None else tuple(sorted(communities))
        statement = _claim_due(tuple(platforms), limit, scope)
        rows = await leases.take(self._db, statement, leases.Lease(owner, now, lease_until))
        return sorted((follow_up_of(row) for row in rows), key=lambda f: (f.due_at, f.id))

    async def finish_many(self, follow_ups: Sequence[FollowUp], owner: str, now: datetime) -> None:
        """Mark fired rows done, each unless it was rescheduled meanwhile or its lease went to
        another worker (then it is only released), in two statements."""
        if not follow_ups:
            return
        params = [self._finish_params(f, owner, now) for f in follow_ups]
        await self._db.execute(self._hot.finish_follow_up, params)
        await self._release_unfinished([f.id for f in follow_ups], owner)

    @staticmethod
    def _finish_params(follow_up: FollowUp, owner: str, now: datetime) -> dict[str, Any]:
        return {
            "b_id": follow_up.id,
            "b_attempts": follow_up.attempts,
            "b_owner": owner,
            "b_now": now,
        }

    async def _release_unfinished(self, ids: list[int], owner: str) -> None:
        await self._db.execute(_RELEASE_UNFINISHED, {"b_ids": ids, "b_owner": owner})

    async def wake_for_thread(
        self, community_id: str, setback_id: int, now: datetime, waited: timedelta
    ) -> None:
        """The post's thread is recorded: its follow-ups put off (by at most `waited`) while
        it was pending are due now. One that merely falls due within `waited` comes early."""
        params = {
            "b_setback": setback_id,
            "b_community": community_id,
            "b_now": now,
            "b_until": now + waited,
        }
        await self._db.execute(_WAKE_FOR_THREAD, params)

    async def postpone(self, follow_up_id: int, owner: str, due_at: datetime) -> None:
        """Give a leased row back to fire later (nothing to send yet, or delivery failed)."""
        params = {"b_id": follow_up_id, "b_owner": owner, "b_due": due_at}
        await self._db.execute(_POSTPONE, params)
