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

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.util import greenlet_spawn

from bot.store.asyncpg_path import raise_as_sqlalchemy

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

    def __init__(self, connection: AsyncConnection, adapted: Any, *, durable: bool) -> None:
        self._connection = connection
        self._adapted = adapted
        """SQLAlchemy's adapter (`AsyncAdapt_asyncpg_connection`) over the driver's
        connection."""
        self._driver = adapted._connection
        self._durable = durable

    async def begin(self) -> None:
        await self._run(BEGIN if self._durable else BEGIN_NOT_WAITING_FOR_DISK)
        self._adapted._transaction = _Open(self._driver)

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

    async def _run(self, sql: str) -> None:
        """One simple query on the driver; its error raised as SQLAlchemy raises it (a
        connection that is gone is invalidated, not handed out again)."""
        adapted = self._adapted
        failure: Exception | None = None
        async with adapted._execute_mutex:
            try:
                await self._driver.execute(sql)
            except Exception as error:
                failure = error
        if failure is not None:
            sync = self._connection.sync_connection
            await greenlet_spawn(raise_as_sqlalchemy, sync, adapted, failure, sql, ())
