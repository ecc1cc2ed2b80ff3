"""Repositories: the only code that speaks SQL. One `Repo` per transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    RowMapping,
    Table,
    and_,
    case,
    delete,
    exists,
    func,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.domain.model import (
    CommunitySettings,
    FollowUp,
    FollowUpKind,
    OutcomeEvent,
    OutcomeReport,
    OutcomeResult,
    Reply,
    Setback,
    SetbackDraft,
    SetbackKind,
    SetbackSource,
    Stage,
)
from bot.store import leases
from bot.store.audit_repo import AuditRepo
from bot.store.early_repo import EarlyRepo
from bot.store.library_repo import LibraryRepo
from bot.store.shown_repo import ShownRepo
from bot.store.statements import (
    APPRECIATION,
    COMMUNITY,
    CONVERSATION,
    FOLLOW_UP,
    OUTBOUND,
    OUTCOME,
    PROCESSED,
    REPLY,
    SETBACK,
    hot_statements,
    take_setback,
)
from bot.store.template_repo import TemplateRepo


def _setback(row: RowMapping) -> Setback:
    return Setback(
        id=row["id"],
        community_id=row["community_id"],
        poster_id=row["poster_id"],
        poster_name=row["poster_name"],
        anonymous=row["anonymous"],
        pseudonym=row["pseudonym"],
        title=row["title"],
        body=row["body"],
        stage=Stage(row["stage"]) if row["stage"] else None,
        kind=SetbackKind(row["kind"]) if row["kind"] else None,
        tags=tuple(row["tags"]),
        source=SetbackSource(row["source"]),
        channel_id=row["channel_id"],
        thread_ref=row["thread_ref"],
        status_message_ref=row["status_message_ref"],
        created_at=row["created_at"],
        last_activity_at=row["last_activity_at"],
        outcome_ask_at=row["outcome_ask_at"],
        closed_at=row["closed_at"],
        stop_asking=row["stop_asking"],
        still_waiting_count=row["still_waiting_count"],
        version=row["version"],
        outcome_ask_ref=row["outcome_ask_ref"],
        withdrawn_at=row["withdrawn_at"],
    )


_APPRECIATIONS = (
    select(func.count())
    .where(APPRECIATION.c.reply_id == REPLY.c.id)
    .correlate(REPLY)
    .scalar_subquery()
    .label("appreciations")
)


def _reply(row: RowMapping) -> Reply:
    return Reply(
        id=row["id"],
        setback_id=row["setback_id"],
        author_id=row["author_id"],
        author_name=row["author_name"],
        by_poster=row["by_poster"],
        relayed=row["relayed"],
        text=row["text"],
        message_ref=row["message_ref"],
        created_at=row["created_at"],
        best_marked_at=row["best_marked_at"],
        best_marked_by=row["best_marked_by"],
        appreciations=row["appreciations"],
        deleted=row["deleted"],
    )


def _outcome_values(report: OutcomeReport) -> dict[str, Any]:
    return {
        "result": report.result.value,
        "events": [event.value for event in report.events],
        "acted_on": list(report.acted_on_reply_ids),
        "note": report.note,
    }


def _follow_up(row: RowMapping) -> FollowUp:
    return FollowUp(
        id=row["id"],
        community_id=row["community_id"],
        setback_id=row["setback_id"],
        kind=FollowUpKind(row["kind"]),
        due_at=row["due_at"],
        attempts=row["attempts"],
    )


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


def _outbound(row: RowMapping) -> Outbound:
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
        statement = OUTBOUND.insert().returning(OUTBOUND.c.source, OUTBOUND.c.seq, OUTBOUND.c.id)
        result = await self._db.execute(statement, values)
        return {(source, seq): int(row_id) for source, seq, row_id in result.all()}

    async def _claim(
        self,
        conditions: Sequence[Any],
        now: datetime,
        owner: str,
        lease_until: datetime,
        limit: int,
    ) -> list[Outbound]:
        rows = await leases.take(
            self._db,
            OUTBOUND,
            leases.Lease(owner, now, lease_until),
            where=[*_PENDING, *conditions],
            order_by=OUTBOUND.c.id,
            limit=limit,
        )
        return sorted((_outbound(r) for r in rows), key=lambda row: row.id)

    async def claim_source(
        self, community_id: str, source: str, now: datetime, owner: str, lease_until: datetime
    ) -> list[Outbound]:
        """Undelivered intents of one event (its redelivery resumes what failed)."""
        conditions = [OUTBOUND.c.community_id == community_id, OUTBOUND.c.source == source]
        return await self._claim(conditions, now, owner, lease_until, limit=1000)

    async def claim_due(
        self,
        now: datetime,
        platforms: Sequence[str],
        owner: str,
        lease_until: datetime,
        limit: int,
    ) -> list[Outbound]:
        """Sources whose first pending intent is due again and free, each with all its rows.

        Whole sources, head first, so a retry never sends a later intent before an
        earlier one (a closing note before the thread's close, say); a head another worker
        is delivering keeps its source with that worker.
        """
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
                OUTBOUND.c.platform.in_(platforms),
                leases.is_free(OUTBOUND, now),
                is_head,
            )
            .limit(limit)
        )
        in_due_sources = tuple_(OUTBOUND.c.community_id, OUTBOUND.c.source).in_(heads)
        return await self._claim([in_due_sources], now, owner, lease_until, limit * 10)

    async def begin(
        self, row_id: int, owner: str, now: datetime, lease_until: datetime
    ) -> Outbound | None:
        """Just before the platform call: renew `owner`'s lease on the row and note the try.

        None when the row is no longer `owner`'s to send (its lease ran out and another
        worker took it) or no longer pending. `attempted_at` keeps the earliest try whose
        outcome is unknown; a value before `now` means an earlier try may have got through.
        """
        result = await self._db.execute(
            update(OUTBOUND)
            .where(OUTBOUND.c.id == row_id, OUTBOUND.c.lease_owner == owner, *_PENDING)
            .values(
                lease_until=lease_until,
                attempted_at=func.coalesce(OUTBOUND.c.attempted_at, now),
            )
            .returning(*OUTBOUND.c)
        )
        row = result.mappings().first()
        return None if row is None else _outbound(row)

    async def row(self, row_id: int) -> Outbound | None:
        found = (await self._db.execute(select(OUTBOUND).where(OUTBOUND.c.id == row_id))).first()
        return None if found is None else _outbound(found._mapping)

    async def record_pieces(self, row_id: int, pieces: Sequence[str]) -> None:
        """The refs of a long message's pieces the platform has confirmed so far."""
        await self._db.execute(
            update(OUTBOUND).where(OUTBOUND.c.id == row_id).values(pieces=list(pieces))
        )

    async def delivered(self, row_id: int, ref: str | None, now: datetime) -> None:
        """The platform confirmed the row: recorded whoever holds the lease (it is a fact)."""
        await self._db.execute(
            update(OUTBOUND)
            .where(OUTBOUND.c.id == row_id, OUTBOUND.c.delivered_at.is_(None))
            .values(
                delivered_at=now,
                delivered_ref=ref,
                lease_until=None,
                attempted_at=None,
                gave_up_at=None,
            )
        )

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
        return [_outbound(r) for r in result.mappings()]

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
        return [_outbound(r) for r in rows.mappings()]

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


class Repo:
    """Queries and changes within one transaction; every read is scoped to a community."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._db = connection
        self._dialect = connection.dialect.name
        self.outbound = OutboundRepo(connection)
        self.conversations = ConversationRepo(connection, self._insert)
        self.templates = TemplateRepo(connection, self._insert)
        self.early = EarlyRepo(connection, self._insert)
        self.shown = ShownRepo(connection, self._insert)
        self.audit = AuditRepo(connection)
        self.library = LibraryRepo(connection, self._insert)
        self._hot = hot_statements(self._dialect)

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """Changes inside are undone if the block raises; the transaction goes on."""
        async with self._db.begin_nested():
            yield

    def _insert(self, table: Table) -> Any:
        return (postgresql.insert if self._dialect == "postgresql" else sqlite.insert)(table)

    # --- inbound deliveries ---------------------------------------------------------------

    async def claim_event(self, community_id: str, event_id: str, now: datetime) -> bool:
        """Record a delivery; False when it was already applied (a redelivery)."""
        params = {"community_id": community_id, "event_id": event_id, "received_at": now}
        return (await self._db.execute(self._hot.claim_event, params)).first() is not None

    async def event_seen(self, community_id: str, event_id: str) -> bool:
        """Whether a delivery was already applied (read only)."""
        statement = select(PROCESSED.c.event_id).where(
            PROCESSED.c.community_id == community_id, PROCESSED.c.event_id == event_id
        )
        return (await self._db.execute(statement)).first() is not None

    # --- communities ----------------------------------------------------------------------

    async def ensure_community(
        self, community_id: str, platform: str, settings: CommunitySettings, now: datetime
    ) -> None:
        statement = (
            self._insert(COMMUNITY)
            .values(id=community_id, platform=platform, settings=asdict(settings), created_at=now)
            .on_conflict_do_nothing()
        )
        await self._db.execute(statement)

    async def community(self, community_id: str) -> tuple[str, CommunitySettings] | None:
        row = (
            await self._db.execute(
                select(COMMUNITY.c.platform, COMMUNITY.c.settings).where(
                    COMMUNITY.c.id == community_id
                )
            )
        ).first()
        if row is None:
            return None
        known = CommunitySettings.__dataclass_fields__
        values = {k: v for k, v in row.settings.items() if k in known}
        return row.platform, CommunitySettings(**values)

    async def update_settings(self, community_id: str, settings: CommunitySettings) -> None:
        await self._db.execute(
            update(COMMUNITY)
            .where(COMMUNITY.c.id == community_id)
            .values(settings=asdict(settings))
        )

    # --- setbacks -------------------------------------------------------------------------

    async def add_setback(
        self,
        *,
        community_id: str,
        poster_id: str,
        poster_name: str,
        draft: SetbackDraft,
        pseudonym: str,
        source: SetbackSource,
        channel_id: str,
        now: datetime,
        thread_ref: str | None = None,
    ) -> Setback:
        statement = SETBACK.insert().values(
            community_id=community_id,
            poster_id=poster_id,
            poster_name=poster_name,
            anonymous=draft.anonymous,
            pseudonym=pseudonym,
            title=draft.title,
            body=draft.body,
            stage=draft.stage.value if draft.stage else None,
            kind=draft.kind.value if draft.kind else None,
            tags=list(draft.tags),
            source=source.value,
            channel_id=channel_id,
            thread_ref=thread_ref,
            created_at=now,
            last_activity_at=now,
            outcome_ask_at=draft.ask_outcome_at,
            stop_asking=False,
            still_waiting_count=0,
        )
        result = await self._db.execute(statement.returning(*SETBACK.c))
        return _setback(result.mappings().one())

    async def update_setback(self, community_id: str, setback_id: int, **values: Any) -> None:
        await self._db.execute(
            update(SETBACK)
            .where(SETBACK.c.community_id == community_id, SETBACK.c.id == setback_id)
            .values(**values)
        )

    async def _one_setback(self, *conditions: Any) -> Setback | None:
        row = (await self._db.execute(take_setback(*conditions))).mappings().first()
        return _setback(row) if row else None

    async def setback(self, community_id: str, setback_id: int) -> Setback | None:
        """The post, taken for a change: one writer per post at a time (see `take_setback`).

        Everything read after this call sees what earlier writers of the post committed."""
        return await self._one_setback(
            SETBACK.c.community_id == community_id, SETBACK.c.id == setback_id
        )

    async def setback_by_thread(self, community_id: str, thread_ref: str) -> Setback | None:
        """The post of a thread, taken for a change like `setback`."""
        params = {"b_community": community_id, "b_thread": thread_ref}
        row = (await self._db.execute(self._hot.setback_by_thread, params)).mappings().first()
        return _setback(row) if row else None

    async def touch_setback(self, community_id: str, setback_id: int, now: datetime) -> None:
        """Note activity on a post (which keeps it from closing)."""
        params = {"b_community": community_id, "b_id": setback_id, "b_at": now}
        await self._db.execute(self._hot.touch_setback, params)

    async def open_anonymous_setbacks(self, community_id: str, poster_id: str) -> list[Setback]:
        """The poster's anonymous posts still open for replies, newest first."""
        return await self.open_setbacks_of(community_id, poster_id, anonymous_only=True)

    async def open_setbacks_of(
        self, community_id: str, poster_id: str, *, anonymous_only: bool = False
    ) -> list[Setback]:
        """The poster's posts (or only their anonymous ones) still open for replies, newest
        first."""
        conditions = [
            SETBACK.c.community_id == community_id,
            SETBACK.c.poster_id == poster_id,
            SETBACK.c.closed_at.is_(None),
            SETBACK.c.thread_ref.is_not(None),
        ]
        if anonymous_only:
            conditions.append(SETBACK.c.anonymous.is_(True))
        rows = await self._db.execute(
            select(SETBACK).where(*conditions).order_by(SETBACK.c.id.desc())
        )
        return [_setback(row) for row in rows.mappings()]

    async def open_posts(self, community_id: str) -> list[Setback]:
        """Every post with a thread still open for replies, oldest first."""
        rows = await self._db.execute(
            select(SETBACK)
            .where(
                SETBACK.c.community_id == community_id,
                SETBACK.c.closed_at.is_(None),
                SETBACK.c.thread_ref.is_not(None),
            )
            .order_by(SETBACK.c.id)
        )
        return [_setback(row) for row in rows.mappings()]

    async def setbacks_by_poster(
        self, community_id: str, poster_id: str, limit: int
    ) -> list[Setback]:
        """The member's own posts, newest first (read-only, for their home page)."""
        rows = await self._db.execute(
            select(SETBACK)
            .where(
                SETBACK.c.community_id == community_id,
                SETBACK.c.poster_id == poster_id,
                SETBACK.c.withdrawn_at.is_(None),
            )
            .order_by(SETBACK.c.id.desc())
            .limit(limit)
        )
        return [_setback(row) for row in rows.mappings()]

    async def setbacks(
        self, community_id: str, ids: Iterable[int], *, lock: bool = False
    ) -> dict[int, Setback]:
        """Posts by id; `lock` takes them for a change, like `setback`."""
        # By primary key alone: with the community in the WHERE clause SQLite's planner picks
        # the (community, poster) index and walks the whole community. Scoped just below.
        by_id = SETBACK.c.id.in_(list(ids))
        rows = await self._db.execute(take_setback(by_id) if lock else select(SETBACK).where(by_id))
        return {
            row["id"]: _setback(row)
            for row in rows.mappings()
            if row["community_id"] == community_id
        }

    # --- replies --------------------------------------------------------------------------

    async def add_reply(
        self,
        setback: Setback,
        *,
        author_id: str,
        author_name: str,
        text: str,
        message_ref: str | None,
        now: datetime,
        relayed: bool = False,
        deleted: bool = False,
    ) -> int | None:
        """Record a reply; None if its message was already recorded (under another event id)."""
        params = {
            "community_id": setback.community_id,
            "setback_id": setback.id,
            "author_id": author_id,
            "author_name": author_name,
            "by_poster": author_id == setback.poster_id,
            "relayed": relayed,
            "text": text,
            "message_ref": message_ref,
            "created_at": now,
            "deleted": deleted,
        }
        row_id = (await self._db.execute(self._hot.add_reply, params)).scalar()
        return None if row_id is None else int(row_id)

    async def _one_reply(self, *conditions: Any) -> Reply | None:
        statement = select(REPLY, _APPRECIATIONS).where(*conditions)
        row = (await self._db.execute(statement)).mappings().first()
        return _reply(row) if row else None

    async def reply_by_ref(self, community_id: str, message_ref: str) -> Reply | None:
        return await self._one_reply(
            REPLY.c.community_id == community_id, REPLY.c.message_ref == message_ref
        )

    async def reply_with_post(
        self, community_id: str, message_ref: str
    ) -> tuple[Setback, Reply] | None:
        """A reply by its message, and its post taken for a change (see `setback`).

        The post is taken before the reply is read, so the reply is as its post's last
        writer left it, and locks are always taken post first, then its rows."""
        found = await self._db.execute(
            select(REPLY.c.id, REPLY.c.setback_id).where(
                REPLY.c.community_id == community_id, REPLY.c.message_ref == message_ref
            )
        )
        row = found.first()
        setback = await self.setback(community_id, row.setback_id) if row else None
        reply = await self.reply(community_id, row.id) if row and setback else None
        return (setback, reply) if setback and reply else None

    async def reply(self, community_id: str, reply_id: int) -> Reply | None:
        return await self._one_reply(REPLY.c.community_id == community_id, REPLY.c.id == reply_id)

    async def replies(self, community_id: str, setback_id: int) -> list[Reply]:
        return (await self.replies_of(community_id, [setback_id])).get(setback_id, [])

    async def replies_of(
        self, community_id: str, setback_ids: Iterable[int]
    ) -> dict[int, list[Reply]]:
        """Replies of several posts in one query, oldest first, by post id."""
        rows = await self._db.execute(
            select(REPLY, _APPRECIATIONS)
            .where(REPLY.c.community_id == community_id, REPLY.c.setback_id.in_(list(setback_ids)))
            .order_by(REPLY.c.created_at, REPLY.c.id)
        )
        found: dict[int, list[Reply]] = {}
        for row in rows.mappings():
            found.setdefault(row["setback_id"], []).append(_reply(row))
        return found

    async def update_reply(self, community_id: str, reply_id: int, **values: Any) -> None:
        await self._db.execute(
            update(REPLY)
            .where(REPLY.c.community_id == community_id, REPLY.c.id == reply_id)
            .values(**values)
        )

    async def mark_best(
        self, community_id: str, reply_id: int, by: str, now: datetime
    ) -> bool | None:
        """Mark a live reply best, unless it is marked already (then None, whoever won).

        Returns whether this is its first mark ever (its author is thanked once). The
        conditional UPDATE is the guard: of two marks at once, one changes the row.
        """
        marked = await self._db.execute(
            update(REPLY)
            .where(
                REPLY.c.community_id == community_id,
                REPLY.c.id == reply_id,
                REPLY.c.best_marked_at.is_(None),
                REPLY.c.deleted.is_(False),
            )
            .values(best_marked_at=now)
            .returning(REPLY.c.best_marked_by)  # unchanged yet: who marked it before, if anyone
        )
        row = marked.first()
        if row is None:
            return None
        await self.update_reply(community_id, reply_id, best_marked_by=by)
        return row.best_marked_by is None

    async def unmark_best(self, community_id: str, reply_id: int) -> bool:
        """Unmark a best answer; False if it was not marked (or someone unmarked it first)."""
        result = await self._db.execute(
            update(REPLY)
            .where(
                REPLY.c.community_id == community_id,
                REPLY.c.id == reply_id,
                REPLY.c.best_marked_at.is_not(None),
            )
            .values(best_marked_at=None)
        )
        return bool(result.rowcount)

    async def add_appreciation(self, reply_id: int, member_id: str, now: datetime) -> bool:
        statement = (
            self._insert(APPRECIATION)
            .values(reply_id=reply_id, member_id=member_id, created_at=now)
            .on_conflict_do_nothing()
            .returning(APPRECIATION.c.reply_id)
        )
        return (await self._db.execute(statement)).first() is not None

    async def remove_appreciation(self, reply_id: int, member_id: str) -> bool:
        result = await self._db.execute(
            delete(APPRECIATION).where(
                APPRECIATION.c.reply_id == reply_id, APPRECIATION.c.member_id == member_id
            )
        )
        return bool(result.rowcount)

    # --- outcomes -------------------------------------------------------------------------

    async def add_outcome(
        self, setback: Setback, report: OutcomeReport, now: datetime
    ) -> int | None:
        """Record the post's one update; None if it has one already (the unique key says)."""
        statement = self._insert(OUTCOME).values(
            {
                **_outcome_values(report),
                "community_id": setback.community_id,
                "setback_id": setback.id,
                "created_at": now,
            }
        )
        result = await self._db.execute(statement.on_conflict_do_nothing().returning(OUTCOME.c.id))
        row_id = result.scalar()
        return None if row_id is None else int(row_id)

    async def outcome(self, community_id: str, setback_id: int) -> OutcomeReport | None:
        """The post's update as shared (without the template uses it confirmed)."""
        row = (
            (
                await self._db.execute(
                    select(OUTCOME).where(
                        OUTCOME.c.community_id == community_id, OUTCOME.c.setback_id == setback_id
                    )
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        return OutcomeReport(
            result=OutcomeResult(row["result"]),
            events=tuple(OutcomeEvent(event) for event in row["events"]),
            acted_on_reply_ids=tuple(row["acted_on"]),
            note=row["note"],
        )

    async def change_outcome(self, setback: Setback, report: OutcomeReport, now: datetime) -> None:
        """The poster changed their update on purpose."""
        await self._db.execute(
            update(OUTCOME)
            .where(
                OUTCOME.c.community_id == setback.community_id,
                OUTCOME.c.setback_id == setback.id,
            )
            .values({**_outcome_values(report), "changed_at": now})
        )

    async def has_outcome(self, community_id: str, setback_id: int) -> bool:
        return setback_id in await self.with_outcome(community_id, [setback_id])

    async def with_outcome(self, community_id: str, setback_ids: Iterable[int]) -> set[int]:
        """Which of these posts have an outcome update."""
        rows = await self._db.execute(
            select(OUTCOME.c.setback_id)
            .distinct()
            .where(
                OUTCOME.c.community_id == community_id,
                OUTCOME.c.setback_id.in_(list(setback_ids)),
            )
        )
        return set(rows.scalars())

    # --- follow-ups -----------------------------------------------------------------------

    async def schedule(
        self,
        setback: Setback,
        platform: str,
        due: Mapping[FollowUpKind, datetime],
        *,
        reopen: bool,
    ) -> None:
        """Set when each kind fires for `setback`. A fired row comes back only when `reopen`."""
        if not due:
            return
        rows = [
            {
                "community_id": setback.community_id,
                "platform": platform,
                "setback_id": setback.id,
                "kind": kind.value,
                "due_at": due_at,
                "attempts": 0,
            }
            for kind, due_at in due.items()
        ]
        statement = self._hot.schedule_reopen if reopen else self._hot.schedule
        await self._db.execute(statement, rows)

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
    ) -> list[FollowUp]:
        """Lease up to `limit` due rows to `owner`; concurrent workers take other rows."""
        rows = await leases.take(
            self._db,
            FOLLOW_UP,
            leases.Lease(owner, now, lease_until),
            where=[
                FOLLOW_UP.c.done_at.is_(None),
                FOLLOW_UP.c.due_at <= now,
                FOLLOW_UP.c.platform.in_(platforms),
            ],
            order_by=FOLLOW_UP.c.due_at,
            limit=limit,
            also_set={"attempts": FOLLOW_UP.c.attempts + 1},
        )
        return sorted((_follow_up(row) for row in rows), key=lambda f: (f.due_at, f.id))

    async def finish(self, follow_up: FollowUp, owner: str, now: datetime) -> bool:
        """Mark a fired row done, unless it was rescheduled meanwhile (then just release it)."""
        result = await self._db.execute(
            self._hot.finish_follow_up, self._finish_params(follow_up, owner, now)
        )
        await self._release_unfinished([follow_up.id], owner)
        return bool(result.rowcount)

    async def finish_many(self, follow_ups: Sequence[FollowUp], owner: str, now: datetime) -> None:
        """`finish` for a whole batch, in two statements."""
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
        await self._db.execute(
            update(FOLLOW_UP)
            .where(
                FOLLOW_UP.c.id.in_(ids),
                FOLLOW_UP.c.lease_owner == owner,
                FOLLOW_UP.c.done_at.is_(None),
            )
            .values(lease_until=None, lease_owner=None)
        )

    async def postpone(self, follow_up_id: int, owner: str, due_at: datetime) -> None:
        """Give a leased row back to fire later (nothing to send yet, or delivery failed)."""
        await self._db.execute(
            update(FOLLOW_UP)
            .where(and_(FOLLOW_UP.c.id == follow_up_id, FOLLOW_UP.c.lease_owner == owner))
            .values(due_at=due_at, lease_until=None, lease_owner=None)
        )


class ConversationRepo:
    """Answers given one private message at a time (see bot/services/conversation.py)."""

    def __init__(self, connection: AsyncConnection, insert: Any) -> None:
        self._db = connection
        self._insert = insert

    async def get(self, community_id: str, user_id: str) -> dict[str, Any] | None:
        row = await self._db.execute(
            select(CONVERSATION.c.state).where(
                CONVERSATION.c.community_id == community_id, CONVERSATION.c.user_id == user_id
            )
        )
        state: dict[str, Any] | None = row.scalar()
        return state

    async def put(
        self, community_id: str, user_id: str, state: dict[str, Any], now: datetime
    ) -> None:
        statement = self._insert(CONVERSATION).values(
            community_id=community_id, user_id=user_id, state=state, updated_at=now
        )
        statement = statement.on_conflict_do_update(
            index_elements=[CONVERSATION.c.community_id, CONVERSATION.c.user_id],
            set_={"state": statement.excluded.state, "updated_at": now},
        )
        await self._db.execute(statement)

    async def end(self, community_id: str, user_id: str) -> None:
        await self._db.execute(
            delete(CONVERSATION).where(
                CONVERSATION.c.community_id == community_id, CONVERSATION.c.user_id == user_id
            )
        )


class Store:
    """Hands out transactions; each yields a `Repo` and commits when the block ends cleanly."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Repo]:
        async with self.engine.begin() as connection:
            yield Repo(connection)

    async def dispose(self) -> None:
        await self.engine.dispose()
