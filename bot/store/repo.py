"""Repositories: the only code that speaks SQL. One `Repo` per transaction.

Each aggregate has its own repository module (posts, replies, outcomes, follow-ups,
communities, the outbox...); `Repo` brings them together for one transaction.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from functools import cached_property

from sqlalchemy import Connection, Engine, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store import begin_with
from bot.store.accepted_repo import AcceptedRepo
from bot.store.asyncpg_path import asyncpg_adapter_fits
from bot.store.audit_repo import AuditRepo
from bot.store.care_repo import CareRepo
from bot.store.community_repo import CommunityRepo
from bot.store.conversation_repo import ConversationRepo
from bot.store.early_repo import EarlyRepo
from bot.store.engine import SQLITE_BUSY_TIMEOUT_MS, is_sqlite
from bot.store.followup_repo import FollowUpRepo
from bot.store.form_offer_repo import FormOfferRepo
from bot.store.inline_sync import DriverTransaction, InlineAsyncConnection, sync_twin
from bot.store.insights_repo import InsightsRepo
from bot.store.library_repo import LibraryRepo
from bot.store.outbox_repo import Failure, Outbound, OutboundRepo, OutboxState
from bot.store.outcome_repo import OutcomeRepo
from bot.store.pg_transaction import AsyncpgTransaction, KeptConnection
from bot.store.reply_repo import ReplyRepo
from bot.store.shown_repo import ShownRepo
from bot.store.template_repo import TemplateRepo

__all__ = ["Failure", "Outbound", "OutboundRepo", "OutboxState", "Repo", "Store"]


class Repo(CommunityRepo, ReplyRepo, OutcomeRepo, FollowUpRepo):
    """Queries and changes within one transaction; every read is scoped to a community."""

    claim_optional = False
    """Set by a decision that may safely be made again (see `Store.claiming`): its claim
    need not be kept when it changed nothing else."""

    # Each part is made when first used: most transactions touch two or three of them.
    @cached_property
    def outbound(self) -> OutboundRepo:
        return OutboundRepo(self._db)

    @cached_property
    def conversations(self) -> ConversationRepo:
        return ConversationRepo(self._db, self._insert)

    @cached_property
    def templates(self) -> TemplateRepo:
        return TemplateRepo(self._db, self._insert)

    @cached_property
    def early(self) -> EarlyRepo:
        return EarlyRepo(self._db, self._insert)

    @cached_property
    def shown(self) -> ShownRepo:
        return ShownRepo(self._db, self._insert)

    @cached_property
    def accepted(self) -> AcceptedRepo:
        return AcceptedRepo(self._db)

    @cached_property
    def form_offers(self) -> FormOfferRepo:
        return FormOfferRepo(self._db)

    @cached_property
    def care(self) -> CareRepo:
        return CareRepo(self._db, self._insert)

    @cached_property
    def audit(self) -> AuditRepo:
        return AuditRepo(self._db)

    @cached_property
    def library(self) -> LibraryRepo:
        return LibraryRepo(self._db, self._insert)

    @cached_property
    def insights(self) -> InsightsRepo:
        return InsightsRepo(self._db)

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """Changes inside are undone if the block raises; the transaction goes on."""
        async with self._db.begin_nested():
            yield


_NOT_WAITING_FOR_DISK = text("SET LOCAL synchronous_commit TO OFF")


class Store:
    """Hands out transactions; each yields a `Repo` and commits when the block ends cleanly."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._inline = sync_twin(engine, SQLITE_BUSY_TIMEOUT_MS) if is_sqlite(engine.url) else None
        self._idle: tuple[Connection, InlineAsyncConnection] | None = None
        self._on_asyncpg = engine.dialect.driver == "asyncpg" and asyncpg_adapter_fits()
        self._kept = KeptConnection(engine)

    @property
    def sync_engine(self) -> Engine:
        """The engine the transactions' statements run on (an event target)."""
        return self._inline or self.engine.sync_engine

    @asynccontextmanager
    async def transaction(self, *, durable: bool = True) -> AsyncIterator[Repo]:
        """A transaction; its commit waits for the disk unless `durable` is False.

        A transaction that is not durable survives the process being killed, but a power
        cut (or the server's crash, on PostgreSQL) may undo it, never a later durable one
        without it. Only for what can be found again when lost: a delivery's record (the
        row, still marked attempted, is looked for on the platform before it is sent again;
        see bot/engine/delivery.py), and the decision of an event stored before it (the
        event, still stored, is decided again: `Rebound.replay_accepted`).
        """
        if self._on_asyncpg:
            async with self._asyncpg_transaction(durable) as (repo, _):
                yield repo
            return
        if self._inline is None:  # SQLite in memory, PostgreSQL on another driver
            async with self.engine.connect() as plain, plain.begin():
                if not durable and plain.dialect.name == "postgresql":
                    await plain.execute(_NOT_WAITING_FOR_DISK)
                yield Repo(plain)
            return
        async with self._inline_transaction(durable) as (repo, _):
            yield repo

    @asynccontextmanager
    async def _inline_transaction(
        self, durable: bool
    ) -> AsyncIterator[tuple[Repo, DriverTransaction]]:
        """A transaction on the SQLite file's synchronous twin (see bot/store/inline_sync.py)."""
        assert self._inline is not None
        # One connection kept between transactions (a pool checkout costs more than a
        # SQLite commit), with its async face; a transaction that starts while another is
        # open takes its own.
        held, self._idle = self._idle or self._connect(self._inline), None
        try:
            held[1].look_for_listeners()
            transaction = DriverTransaction(held[0], durable=durable)
            transaction.begin()
            try:
                yield Repo(held[1]), transaction
            except BaseException:
                transaction.rollback()
                raise
            transaction.finish()
        finally:
            if self._idle is None and not held[0].invalidated:
                self._idle = held
            else:
                held[0].close()

    @asynccontextmanager
    async def claiming(
        self,
        community_id: str,
        event_id: str,
        now: datetime,
        *,
        durable: bool = True,
        accepted: bool = False,
    ) -> AsyncIterator[tuple[Repo, bool]]:
        """A transaction (see `transaction`) that first records the event as applied
        (`claim_event`; an `accepted` event stops waiting, `AcceptedRepo.forget`): its
        repo, and False when the event was applied already (a redelivery). On asyncpg
        the claim is sent with the BEGIN: one round trip for both.

        On a SQLite file, a decision that set `Repo.claim_optional` and changed no row
        besides its claim ends without a commit: there is nothing to keep, and a commit
        would wait for the disk on the event loop's thread. Such an event, delivered
        again, is decided again."""
        if self._on_asyncpg:
            sql = begin_with.claim(
                community_id, event_id, now, self.engine.dialect, accepted=accepted
            )
            async with self._asyncpg_transaction(durable, then=sql) as (repo, status):
                yield repo, status == begin_with.CLAIMED
            return
        if self._inline is None or accepted:
            async with self.transaction(durable=durable) as repo:
                if accepted:
                    await repo.accepted.forget(community_id, event_id)
                yield repo, await repo.claim_event(community_id, event_id, now)
            return
        async with self._inline_transaction(durable) as (repo, transaction):
            claimed = await repo.claim_event(community_id, event_id, now)
            changed = transaction.changes()
            yield repo, claimed
            if repo.claim_optional and transaction.changes() == changed:
                transaction.keep = False

    @asynccontextmanager
    async def recording(
        self, rows: Sequence[tuple[int, str | None]], now: datetime, *, durable: bool = True
    ) -> AsyncIterator[Repo]:
        """A transaction (see `transaction`) that first records these outbound rows
        delivered (`OutboundRepo.delivered`); on asyncpg sent with the BEGIN."""
        if self._on_asyncpg and rows:
            sql = begin_with.delivered(rows, now, self.engine.dialect)
            async with self._asyncpg_transaction(durable, then=sql) as (repo, _):
                yield repo
            return
        async with self.transaction(durable=durable) as repo:
            await repo.outbound.delivered(rows, now)
            yield repo

    def _connect(self, inline: Engine) -> tuple[Connection, InlineAsyncConnection]:
        connection = inline.connect()
        return connection, InlineAsyncConnection(self.engine, connection)

    @asynccontextmanager
    async def _asyncpg_transaction(
        self, durable: bool, then: str = ""
    ) -> AsyncIterator[tuple[Repo, str]]:
        """A transaction begun and ended on the asyncpg driver (see `pg_transaction`),
        with `then` sent with its BEGIN (and the status of its last command)."""
        connection, taken_at = await self._kept.take()
        transaction = AsyncpgTransaction(connection, durable=durable)
        try:
            try:
                status = await transaction.begin(then)
                yield Repo(connection), status
            except BaseException:
                await transaction.rollback()
                raise
            await transaction.commit()
        finally:
            await self._kept.give_back(connection, taken_at, clean=transaction.ended)

    async def dispose(self) -> None:
        await self._kept.close()
        if self._idle is not None:
            self._idle[0].close()
            self._idle = None
        if self._inline is not None:
            self._inline.dispose()
        await self.engine.dispose()
