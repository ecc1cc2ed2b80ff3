"""aiosqlite's interface, run on the event loop's own thread.

aiosqlite hands every call (cursor, execute, fetch, close) to a worker thread and back;
on this path that hand-off costs more than SQLite's own work. Running the calls inline
makes every transaction atomic with respect to the event loop: no other coroutine can
start a transaction in the middle of one, so connections in one process never wait on
each other. A write lock held by another process blocks the loop for at most the busy
timeout: SQLite serves one process; several replicas belong on PostgreSQL.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Generator
from functools import partial
from typing import Any

import aiosqlite

ITER_CHUNK_SIZE = 64


class InlineConnection(aiosqlite.Connection):
    """An aiosqlite connection whose calls run directly, without the worker thread."""

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if self._connection is None:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)

    async def _connect(self) -> InlineConnection:
        if self._connection is None:
            self._connection = self._connector()
        return self

    def __await__(self) -> Generator[Any, None, InlineConnection]:
        return self._connect().__await__()

    async def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def stop(self) -> None:
        """There is no worker thread to stop."""
        self._running = False


def begin_immediate(connection: InlineConnection) -> None:
    """Start a write transaction on the underlying sqlite3 connection, synchronously."""
    if connection._connection is None:
        raise ValueError("Connection closed")
    connection._connection.execute("BEGIN IMMEDIATE")


def inline_creator(path: str, busy_timeout_s: float) -> Callable[[], InlineConnection]:
    """An `async_creator` for SQLAlchemy: autocommit mode, so SQLAlchemy issues BEGIN itself."""
    connector = partial(sqlite3.connect, path, timeout=busy_timeout_s, isolation_level=None)
    return partial(InlineConnection, connector, ITER_CHUNK_SIZE)
