"""SQLite transactions run through SQLAlchemy's synchronous API, on the event loop's thread.

SQLite already runs inline (see `sqlite_inline`), so its async engine only adds cost: each
statement is handed to a new greenlet and through the aiosqlite adapter, which costs more
than SQLite's own work. `Store` runs its transactions on a synchronous twin of the engine
(same file, same pragmas) and hands repositories an `AsyncConnection` whose `execute`
calls the synchronous connection directly. Everything else (migrations, tests, tools)
keeps the async engine; both see the same committed data.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, exc
from sqlalchemy.engine import CursorResult, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql import Executable

from bot.store import prepared

SQLITE_PRAGMAS = ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON")


def set_pragmas(dbapi_connection: Any, busy_timeout_ms: int) -> None:
    """The product's pragmas: WAL, durable commits, foreign keys, a busy timeout."""
    cursor = dbapi_connection.cursor()
    for pragma in (*SQLITE_PRAGMAS, f"busy_timeout={busy_timeout_ms}"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def sync_twin(engine: AsyncEngine, busy_timeout_ms: int) -> Engine | None:
    """A synchronous engine on the same SQLite file; None for an in-memory database (a
    second engine would see another database)."""
    path = make_url(str(engine.url)).database
    if not path or path == ":memory:" or path.startswith("file:"):
        return None
    connector = partial(sqlite3.connect, path, timeout=busy_timeout_ms / 1000, isolation_level=None)
    twin = create_engine(
        "sqlite://",
        creator=connector,
        pool_reset_on_return=None,  # every use ends its transaction itself
        hide_parameters=True,  # errors must not carry members' words or ids into logs
    )

    @event.listens_for(twin, "connect")
    def _on_connect(dbapi_connection: Any, _record: object) -> None:
        set_pragmas(dbapi_connection, busy_timeout_ms)

    @event.listens_for(twin, "begin")
    def _on_begin(connection: Any) -> None:
        # The write lock up front, straight to the driver (see engine.create_engine);
        # `Store.transaction` has usually taken it already (see `DriverTransaction`).
        driver = connection.connection.driver_connection
        if not driver.in_transaction:
            driver.execute("BEGIN IMMEDIATE")

    return twin


class InlineAsyncConnection(AsyncConnection):
    """An `AsyncConnection` over a synchronous SQLite connection: `execute` runs directly.

    Results are those of the synchronous connection (the same `Result` interface the
    async one returns); other methods go through the async base class, which works over a
    synchronous driver too.
    """

    def __init__(self, engine: AsyncEngine, connection: Connection) -> None:
        super().__init__(engine, connection)
        # Fixed for the connection's life: looked up once, not for every statement.
        self._connection = connection
        self._dialect = connection.dialect
        self._driver = prepared.driver_of(connection)
        self._listeners = prepared.cursor_listeners(connection)

    def look_for_listeners(self) -> None:
        """Note the statement listeners added since the last look: at each transaction's
        start (one added during a transaction is seen from the next)."""
        self._listeners = prepared.cursor_listeners(self._connection)

    async def execute(
        self,
        statement: Executable,
        parameters: Sequence[Mapping[str, Any]] | Mapping[str, Any] | None = None,
        *,
        execution_options: Mapping[str, Any] | None = None,
    ) -> CursorResult[Any]:
        if execution_options is None:
            plan = prepared.plan_for(statement, self._dialect, parameters)
            if plan is not None:
                fast: CursorResult[Any] | None = prepared.execute(
                    self._connection, plan, parameters, self._driver, self._listeners
                )
                if fast is not None:
                    return fast
        result: CursorResult[Any] = self._connection.execute(
            statement, parameters, execution_options=execution_options
        )
        return result


class DriverTransaction:
    """One transaction on a synchronous twin's connection, begun and ended on sqlite3.

    Most transactions run only statements of the driver's fast path (`prepared`), so
    SQLAlchemy's own transaction (its objects, events and commit layers) would be all
    overhead. `BEGIN IMMEDIATE` goes straight to the driver; a statement SQLAlchemy runs
    itself joins the open transaction (its begin event sees it open), and then SQLAlchemy
    ends it, so both always agree on what is open.
    """

    def __init__(self, connection: Connection, *, durable: bool = True) -> None:
        self._connection = connection
        self._driver = prepared.driver_of(connection)
        self._durable = durable
        self.keep = True
        """False when the transaction has nothing to keep: `finish` rolls it back."""

    def changes(self) -> int:
        """Rows changed on this connection so far (a count that only grows): equal before
        and after some statements, they changed nothing."""
        return self._driver.total_changes

    def finish(self) -> None:
        """End the transaction once its work is done: commit it, or roll back what there
        is no need to keep (see `keep`)."""
        if self.keep:
            self.commit()
        else:
            self.rollback()

    def begin(self) -> None:
        if not self._durable:
            # WAL with synchronous=NORMAL: the commit is written, not synced; the next
            # synced commit syncs it too (the WAL is in order). Set outside the transaction,
            # as SQLite requires, and set back when it ends.
            self._run("PRAGMA synchronous=NORMAL")
        try:
            self._run("BEGIN IMMEDIATE")
        except BaseException:
            self._restore()
            raise

    def commit(self) -> None:
        """Commit; a commit that fails is rolled back, so the kept connection is never
        left inside a transaction (nor at the lower safety level)."""
        try:
            if self._connection.in_transaction():
                self._connection.commit()
            else:
                events = self._connection.dispatch
                if events.commit:  # listeners (tests counting commits) see it as SQLAlchemy's
                    events.commit(self._connection)
                self._run("COMMIT")
        except BaseException:
            self.rollback()
            raise
        self._restore()

    def rollback(self) -> None:
        try:
            if self._connection.get_transaction() is not None:  # also one whose commit failed
                self._connection.rollback()
            if self._driver.in_transaction:
                events = self._connection.dispatch
                if events.rollback:
                    events.rollback(self._connection)
                self._run("ROLLBACK")
        finally:
            self._restore()

    def _restore(self) -> None:
        if not self._durable and not self._driver.in_transaction:
            self._run("PRAGMA synchronous=FULL")

    def _run(self, sql: str) -> None:
        try:
            self._driver.execute(sql)
        except sqlite3.Error as error:
            raise exc.DBAPIError.instance(
                sql, (), error, sqlite3.Error, dialect=self._connection.dialect
            ) from error
