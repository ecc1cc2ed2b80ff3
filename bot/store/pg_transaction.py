"""PostgreSQL transactions begun and ended on the asyncpg driver.

SQLAlchemy begins an asyncpg transaction lazily, just before the first statement, and
ends it through its synchronous layers: a greenlet hop each way, an asyncpg `Transaction`
object, and a round trip of its own for a setting such as `SET LOCAL`. Most transactions
run only statements of the driver's fast path (`prepared`), so `Store` begins each one on
the driver, with its setting in the same round trip (`BEGIN; SET LOCAL ...` is one simple
query), and ends it there.

A statement SQLAlchemy runs itself joins the open transaction: the asyncpg adapter holds
a handle to it as its own transaction (its lazy begin sees one open), and SQLAlchemy then
ends it through that handle, so both always agree on what is open. A connection returned
to the pool with the transaction still open is rolled back by the pool's reset, through
the same handle.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import greenlet_spawn

from bot.store.asyncpg_path import PreparedAsyncConnection, raise_as_sqlalchemy
from bot.store.engine import IDLE_PING_S, POOL_RECYCLE_S

KEPT_IDLE_S = IDLE_PING_S / 2
"""A kept connection idle this long goes back to the pool, which pings it before reuse."""
BEGIN = "BEGIN"
BEGIN_NOT_WAITING_FOR_DISK = "BEGIN; SET LOCAL synchronous_commit TO OFF"


class _Open:
    """What the asyncpg adapter holds as its transaction: one begun on the driver, which
    SQLAlchemy ends (commit, rollback, the pool's reset) by calling these."""

    __slots__ = ("_driver",)

    def __init__(self, driver: Any) -> None:
        self._driver = driver

    async def commit(self) -> None:
        await self._driver.execute("COMMIT")

    async def rollback(self) -> None:
        await self._driver.execute("ROLLBACK")


class AsyncpgTransaction:
    """One transaction on a pooled asyncpg connection, begun and ended on the driver."""

    def __init__(self, connection: PreparedAsyncConnection, *, durable: bool) -> None:
        self._connection = connection
        self._adapted = connection.adapted
        self._driver = connection.adapted._connection
        self._durable = durable

    async def begin(self, then: str = "") -> str:
        """Begin; with `then` (SQL without parameters) run in the same round trip, whose
        last command's status is returned."""
        begin = BEGIN if self._durable else BEGIN_NOT_WAITING_FOR_DISK
        status = await self._run(f"{begin}; {then}" if then else begin)
        self._adapted._transaction = _Open(self._driver)
        return status

    async def commit(self) -> None:
        """Commit; SQLAlchemy does if a statement of its own joined the transaction."""
        sync = self._connection.sync_connection
        assert sync is not None
        if sync.get_transaction() is not None:
            await self._connection.commit()
            return
        if sync.dispatch.commit:  # listeners (tests counting commits) see it as SQLAlchemy's
            sync.dispatch.commit(sync)
        self._adapted._transaction = None
        await self._run("COMMIT")

    async def rollback(self) -> None:
        sync = self._connection.sync_connection
        assert sync is not None
        if sync.get_transaction() is not None:  # also one whose commit failed
            await self._connection.rollback()
        if sync.invalidated:  # the connection is gone (and the transaction with it)
            self._adapted._transaction = None
            return
        if self._adapted._transaction is not None or self._driver.is_in_transaction():
            if sync.dispatch.rollback:
                sync.dispatch.rollback(sync)
            self._adapted._transaction = None
            await self._run("ROLLBACK")

    @property
    def ended(self) -> bool:
        """Whether nothing is left open on the connection (it can serve another)."""
        sync = self._connection.sync_connection
        return (
            sync is not None
            and not sync.invalidated
            and sync.get_transaction() is None
            and self._adapted._transaction is None
            and not self._driver.is_in_transaction()
        )

    async def _run(self, sql: str) -> str:
        """One simple query on the driver, its last command's status; its error raised as
        SQLAlchemy raises it (a connection that is gone is invalidated, not handed out
        again)."""
        adapted = self._adapted
        failure: Exception | None = None
        status = ""
        async with adapted._execute_mutex:
            try:
                status = await self._driver.execute(sql)
            except Exception as error:
                failure = error
        if failure is not None:
            sync = self._connection.sync_connection
            await greenlet_spawn(raise_as_sqlalchemy, sync, adapted, failure, sql, ())
        return status


class KeptConnection:
    """One pooled connection kept between transactions: a checkout and a check-in cost a
    greenlet hop each, more than a transaction's BEGIN. A transaction that starts while
    another holds it checks out its own. It goes back to the pool after `KEPT_IDLE_S`
    idle (the pool pings a connection idle longer) or `POOL_RECYCLE_S` kept (the pool
    recycles old ones), and whenever its transaction did not end cleanly."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._kept: PreparedAsyncConnection | None = None
        self._taken_at = 0.0
        self._used_at = 0.0

    async def take(self) -> tuple[PreparedAsyncConnection, float]:
        """A connection, and when it was taken from the pool (for `give_back`)."""
        kept, self._kept = self._kept, None
        now = time.monotonic()
        if kept is not None:
            if now - self._used_at < KEPT_IDLE_S and now - self._taken_at < POOL_RECYCLE_S:
                return kept, self._taken_at
            await kept.close()
        return await PreparedAsyncConnection(self._engine).start(), now

    async def give_back(
        self, connection: PreparedAsyncConnection, taken_at: float, *, clean: bool
    ) -> None:
        if clean and self._kept is None:
            self._kept, self._taken_at, self._used_at = connection, taken_at, time.monotonic()
        else:
            await connection.close()

    async def close(self) -> None:
        kept, self._kept = self._kept, None
        if kept is not None:
            await kept.close()
