"""The transactional outbox: stored intents, their leases, deliveries and failures."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    RowMapping,
    Update,
    and_,
    bindparam,
    case,
    exists,
    func,
    select,
    tuple_,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store import leases
from bot.store.prepared import prepared
from bot.store.statements import OUTBOUND


@dataclass(frozen=True)
class Outbound:
    """A stored intent (still JSON), where it belongs and how its delivery is going."""

    id: int
    community_id: str
    source: str
    intent: dict[str, Any]
    attempts: int
    seq: int = 0
    attempted_at: datetime | None = None
    pieces: tuple[str, ...] = ()
    first_failed_at: datetime | None = None
    gave_up_at: datetime | None = None
    last_error: str | None = None
    last_error_kind: str | None = None
    created_at: datetime | None = None


def outbound_of(row: RowMapping) -> Outbound:
    return Outbound(
        id=row["id"],
        community_id=row["community_id"],
        source=row["source"],
        intent=row["intent"],
        attempts=row["attempts"],
        seq=row["seq"],
        attempted_at=row["attempted_at"],
        pieces=tuple(row["pieces"] or ()),
        first_failed_at=row["first_failed_at"],
        gave_up_at=row["gave_up_at"],
        last_error=row["last_error"],
        last_error_kind=row["last_error_kind"],
        created_at=row["created_at"],
    )


class OutboxState(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    GIVEN_UP = "given_up"


@dataclass(frozen=True)
class Failure:
    """Why a try failed, as stored on the row: the platform's code and its class."""

    code: str
    kind: str


_PENDING = (OUTBOUND.c.delivered_at.is_(None), OUTBOUND.c.gave_up_at.is_(None))


# On every delivery's path: built once (building a statement costs more than running it).
_ENQUEUE = prepared(OUTBOUND.insert().returning(OUTBOUND.c.source, OUTBOUND.c.seq, OUTBOUND.c.id))
_BEGIN = prepared(
    update(OUTBOUND)
    .where(OUTBOUND.c.id == bindparam("b_id"), OUTBOUND.c.lease_owner == bindparam("b_owner"))
    .where(*_PENDING)
    .values(
        lease_until=bindparam("b_until"),
        attempted_at=func.coalesce(
            OUTBOUND.c.attempted_at, bindparam("b_now", type_=OUTBOUND.c.attempted_at.type)
        ),
    )
    .returning(*OUTBOUND.c)
)
_DELIVERED = prepared(
    update(OUTBOUND)
    .where(OUTBOUND.c.id == bindparam("b_id"), OUTBOUND.c.delivered_at.is_(None))
    .values(
        delivered_at=bindparam("b_now"),
        delivered_ref=bindparam("b_ref"),
        lease_until=None,
        attempted_at=None,
        gave_up_at=None,
    )
)


def _claiming(condition: ColumnElement[bool], limit: int) -> Update:
    return leases.taking(
        OUTBOUND, where=[*_PENDING, condition], order_by=OUTBOUND.c.id, limit=limit
    )


_CLAIM_SOURCE = _claiming(
    and_(
        OUTBOUND.c.community_id == bindparam("c_community"),
        OUTBOUND.c.source == bindparam("c_source"),
    ),
    limit=1000,
)


# Bounded: a shard's set of guilds changes as servers add or remove the bot.
@lru_cache(maxsize=64)
def _claim_due(
    platforms: tuple[str, ...], limit: int, communities: tuple[str, ...] | None
) -> Update:
    scope = [] if communities is None else [leases.in_values(OUTBOUND.c.community_id, communities)]
    now = leases.now_param(OUTBOUND)
    earlier = OUTBOUND.alias("earlier")
    is_head = ~exists(
        select(earlier.c.id).where(
            earlier.c.community_id == OUTBOUND.c.community_id,
            earlier.c.source == OUTBOUND.c.source,
            earlier.c.seq < OUTBOUND.c.seq,
            earlier.c.delivered_at.is_(None),
            earlier.c.gave_up_at.is_(None),
        )
    )
    heads = (
        select(OUTBOUND.c.community_id, OUTBOUND.c.source)
        .where(
            *_PENDING,
            OUTBOUND.c.next_try_at <= now,
            leases.in_values(OUTBOUND.c.platform, platforms),
            leases.is_free(OUTBOUND, now),
            is_head,
            *scope,
        )
        .limit(limit)
    )
    in_due_sources = tuple_(OUTBOUND.c.community_id, OUTBOUND.c.source).in_(heads)
    return _claiming(in_due_sources, limit * 10)


class OutboundRepo:
    """The transactional outbox: intents stored with the change that caused them."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._db = connection

    async def enqueue(
        self,
        *,
        community_id: str,
        platform: str,
        rows: Sequence[tuple[str, int, dict[str, Any]]],
        now: datetime,
        owner: str,
        lease_until: datetime,
    ) -> dict[tuple[str, int], int]:
        """Store (source, seq, intent) rows leased to `owner`, who delivers them next.

        Returns each row's id by (source, seq); matching by key rather than by order lets
        every row go in one batched INSERT.
        """
        if not rows:
            return {}
        values = [
            {
                "community_id": community_id,
                "platform": platform,
                "source": source,
                "seq": seq,
                "intent": intent,
                "created_at": now,
                "next_try_at": now,
                "attempts": 0,
                "lease_owner": owner,
                "lease_until": lease_until,
                # Its owner sends it next: a crash from here on may leave it half sent.
                "attempted_at": now,
            }
            for source, seq, intent in rows
        ]
        result = await self._db.execute(_ENQUEUE, values)
        return {(source, seq): int(row_id) for source, seq, row_id in result.all()}

    async def _claim(self, statement: Update, lease: leases.Lease, **more: Any) -> list[Outbound]:
        rows = await leases.take(self._db, statement, lease, **more)
        return sorted((outbound_of(r) for r in rows), key=lambda row: row.id)

    async def claim_source(
        self, community_id: str, source: str, now: datetime, owner: str, lease_until: datetime
    ) -> list[Outbound]:
        """Undelivered intents of one event (its redelivery resumes what failed)."""
        lease = leases.Lease(owner, now, lease_until)
        return await self._claim(_CLAIM_SOURCE, lease, c_community=community_id, c_source=source)

    async def claim_due(
        self,
        now: datetime,
        platforms: Sequence[str],
        owner: str,
        lease_until: datetime,
        limit: int,
        *,
        communities: Collection[str] | None = None,
    ) -> list[Outbound]:
        """Sources whose first pending intent is due again and free, each with all its rows
        (with `communities`, only theirs).

        Whole sources, head first, so a retry never sends a later intent before an
        earlier one (a closing note before the thread's close, say); a head another worker
        is delivering keeps its source with that worker.
        """
        lease = leases.Lease(owner, now, lease_until)
        scope = None if communities is None else tuple(sorted(communities))
        return await self._claim(_claim_due(tuple(platforms), limit, scope), lease)

    async def begin(
        self, row_id: int, owner: str, now: datetime, lease_until: datetime
    ) -> Outbound | None:
        """Just before the platform call: renew `owner`'s lease on the row and note the try.

        None when the row is no longer `owner`'s to send (its lease ran out and another
        worker took it) or no longer pending. `attempted_at` keeps the earliest try whose
        outcome is unknown; a value before `now` means an earlier try may have got through.
        """
        params = {"b_id": row_id, "b_owner": owner, "b_now": now, "b_until": lease_until}
        result = await self._db.execute(_BEGIN, params)
        row = result.mappings().first()
        return None if row is None else outbound_of(row)

    async def row(self, row_id: int) -> Outbound | None:
        found = (await self._db.execute(select(OUTBOUND).where(OUTBOUND.c.id == row_id))).first()
        return None if found is None else outbound_of(found._mapping)

    async def record_pieces(self, row_id: int, pieces: Sequence[str]) -> None:
        """The refs of a long message's pieces the platform has confirmed so far."""
        await self._db.execute(
            update(OUTBOUND).where(OUTBOUND.c.id == row_id).values(pieces=list(pieces))
        )

    async def delivered(self, rows: Sequence[tuple[int, str | None]], now: datetime) -> None:
        """The platform confirmed these rows (id, the message's ref): recorded whoever
        holds the lease (it is a fact)."""
        if rows:
            params = [{"b_id": row_id, "b_ref": ref, "b_now": now} for row_id, ref in rows]
            await self._db.execute(_DELIVERED, params)

    async def failed(
        self,
        row_id: int,
        owner: str,
        now: datetime,
        retry_at: datetime,
        failure: Failure,
        *,
        maybe_sent: bool,
    ) -> None:
        """Give the row back, to be tried again at `retry_at`; a refusal the platform
        answered made nothing, so the next try need not look for it."""
        values: dict[str, Any] = {
            "next_try_at": retry_at,
            "lease_until": None,
            "lease_owner": None,
            "attempts": OUTBOUND.c.attempts + 1,
            "first_failed_at": func.coalesce(OUTBOUND.c.first_failed_at, now),
            "last_error": failure.code[:100],
            "last_error_kind": failure.kind,
        }
        if not maybe_sent:
            values["attempted_at"] = None
        await self._db.execute(
            update(OUTBOUND)
            .where(OUTBOUND.c.id == row_id, OUTBOUND.c.lease_owner == owner)
            .values(**values)
        )

    async def give_up(self, row: Outbound, now: datetime, failure: Failure) -> int:
        """The row and the pending rows after it in its source are given up (never marked
        delivered); returns how many."""
        result = await self._db.execute(
            update(OUTBOUND)
            .where(
                OUTBOUND.c.community_id == row.community_id,
                OUTBOUND.c.source == row.source,
                OUTBOUND.c.seq >= row.seq,
                *_PENDING,
            )
            .values(
                gave_up_at=now,
                lease_until=None,
                lease_owner=None,
                attempts=case(
                    (OUTBOUND.c.id == row.id, OUTBOUND.c.attempts + 1), else_=OUTBOUND.c.attempts
                ),
                first_failed_at=func.coalesce(OUTBOUND.c.first_failed_at, now),
                last_error=failure.code[:100],
                last_error_kind=failure.kind,
            )
            .returning(OUTBOUND.c.id)
        )
        return len(result.all())

    async def release(self, row_ids: Iterable[int], owner: str) -> None:
        """Rows held back behind a failed one: free again, tried when their head is."""
        ids = list(row_ids)
        if ids:
            await self._db.execute(
                update(OUTBOUND)
                .where(OUTBOUND.c.id.in_(ids), OUTBOUND.c.lease_owner == owner)
                .values(lease_until=None, lease_owner=None)
            )

    async def counts(self) -> dict[OutboxState, int]:
        """How many rows are in each state (for metrics and `rebound outbox list`)."""
        state = case(
            (OUTBOUND.c.delivered_at.is_not(None), OutboxState.DELIVERED.value),
            (OUTBOUND.c.gave_up_at.is_not(None), OutboxState.GIVEN_UP.value),
            else_=OutboxState.PENDING.value,
        )
        result = await self._db.execute(select(state, func.count()).group_by(state))
        found = {OutboxState(name): int(n) for name, n in result.all()}
        return {s: found.get(s, 0) for s in OutboxState}

    async def given_up(self, limit: int = 100) -> list[Outbound]:
        result = await self._db.execute(
            select(OUTBOUND)
            .where(OUTBOUND.c.gave_up_at.is_not(None), OUTBOUND.c.delivered_at.is_(None))
            .order_by(OUTBOUND.c.id)
            .limit(limit)
        )
        return [outbound_of(r) for r in result.mappings()]

    async def retry(self, row_ids: Iterable[int] | None, now: datetime) -> int:
        """Given-up rows pending again, due now, with a fresh day of tries: those named and
        the given-up rows after them in their source (all of them when `row_ids` is None);
        returns how many."""
        conditions: list[ColumnElement[bool]] = [
            OUTBOUND.c.gave_up_at.is_not(None),
            OUTBOUND.c.delivered_at.is_(None),
        ]
        if row_ids is not None:
            named = OUTBOUND.alias("named")
            conditions.append(
                exists(
                    select(named.c.id).where(
                        named.c.id.in_(list(row_ids)),
                        named.c.community_id == OUTBOUND.c.community_id,
                        named.c.source == OUTBOUND.c.source,
                        named.c.seq <= OUTBOUND.c.seq,
                    )
                )
            )
        result = await self._db.execute(
            update(OUTBOUND)
            .where(*conditions)
            .values(gave_up_at=None, first_failed_at=None, attempts=0, next_try_at=now)
            .returning(OUTBOUND.c.id)
        )
        return len(result.all())

    async def free_undelivered(
        self, community_id: str, source_like: str, now: datetime
    ) -> list[Outbound]:
        """Undelivered rows nobody is delivering right now, of sources matching `source_like`
        (given-up ones too: the member can still be shown them)."""
        rows = await self._db.execute(
            select(OUTBOUND)
            .where(
                OUTBOUND.c.community_id == community_id,
                OUTBOUND.c.delivered_at.is_(None),
                OUTBOUND.c.source.like(source_like),
                leases.is_free(OUTBOUND, now),
            )
            .order_by(OUTBOUND.c.id)
        )
        return [outbound_of(r) for r in rows.mappings()]

    async def take(self, row_ids: Iterable[int], ref: str, now: datetime) -> set[int]:
        """Mark rows delivered another way, unless delivered or leased meanwhile; returns
        the ids actually taken."""
        taken = await self._db.execute(
            update(OUTBOUND)
            .where(
                OUTBOUND.c.id.in_(list(row_ids)),
                OUTBOUND.c.delivered_at.is_(None),
                leases.is_free(OUTBOUND, now),
            )
            .values(delivered_at=now, delivered_ref=ref, lease_until=None, gave_up_at=None)
            .returning(OUTBOUND.c.id)
        )
        return set(taken.scalars().all())

    async def give_back(self, row_ids: Iterable[int], ref: str) -> None:
        """Undo `take` for rows taken with `ref`: they are undelivered again."""
        await self._db.execute(
            update(OUTBOUND)
            .where(OUTBOUND.c.id.in_(list(row_ids)), OUTBOUND.c.delivered_ref == ref)
            .values(delivered_at=None, delivered_ref=None)
        )
