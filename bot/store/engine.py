"""Engines for SQLite (the embedded default) and PostgreSQL (several replicas, one database)."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import Pool

from bot.store.sqlite_inline import begin_immediate, inline_creator

SQLITE_BUSY_TIMEOUT_MS = 10_000
POOL_RECYCLE_S = 1800
IDLE_PING_S = 10.0
_RETURNED_AT = "rebound_returned_at"


def ping_when_idle(pool: Pool) -> None:
    """Check a pooled PostgreSQL connection before use only when it sat idle for a while.

    A connection used moments ago is alive (pinging it before every checkout costs a
    round trip per transaction); one that waited may have been dropped by a server restart
    or a proxy's idle timeout. A failed ping makes the pool open a fresh connection.
    """

    @event.listens_for(pool, "checkin")
    def _returned(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info[_RETURNED_AT] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def _taken(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.get(_RETURNED_AT)
        if returned is None or time.monotonic() - returned < IDLE_PING_S:
            return
        try:
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
        except Exception as dead:
            raise exc.DisconnectionError("idle connection failed its ping") from dead


def is_sqlite(url: str | URL) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str) -> AsyncEngine:
    """An async engine tuned for its database; SQLite runs in WAL mode with durable commits."""
    if not is_sqlite(url):
        engine = create_async_engine(
            url,
            pool_size=10,
            max_overflow=10,
            pool_recycle=POOL_RECYCLE_S,
            hide_parameters=True,
        )
        ping_when_idle(engine.sync_engine.pool)
        return engine
    # Every use goes through engine.begin(), which always ends its transaction, so the
    # rollback the pool would issue on check-in is a wasted round trip.
    path = make_url(url).database or ":memory:"
    engine = create_async_engine(
        url,
        async_creator=inline_creator(path, SQLITE_BUSY_TIMEOUT_MS / 1000),
        pool_reset_on_return=None,
        hide_parameters=True,  # errors must not carry members' words or ids into logs
    )
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: object) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Take the write lock up front: concurrent writers queue on busy_timeout instead of
        # failing later with a stale snapshot. Straight to the driver: the statement needs
        # none of SQLAlchemy's execution machinery, which costs more than SQLite's own work.
        begin_immediate(connection.connection.driver_connection)

    return engine
