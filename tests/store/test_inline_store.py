"""SQLite transactions run on a synchronous twin of the engine; both see the same data."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import exc, select, text
from sqlalchemy.engine import make_url

from bot.domain.model import CommunitySettings
from bot.store.engine import create_engine
from bot.store.inline_sync import InlineAsyncConnection
from bot.store.migrate import upgrade
from bot.store.repo import Store
from bot.store.statements import COMMUNITY

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
async def store(sqlite_url: str) -> AsyncIterator[Store]:
    engine = create_engine(sqlite_url)
    await upgrade(engine)
    store = Store(engine)
    yield store
    await store.dispose()


async def test_transactions_run_on_the_twin_on_the_loop_thread(store: Store) -> None:
    async with store.transaction() as repo:
        connection = repo._db
        assert isinstance(connection, InlineAsyncConnection)
        assert connection.sync_connection is not None
        driver = connection.sync_connection.connection.driver_connection
        assert driver is not None
        driver.create_function("thread_id", 0, threading.get_ident)
        ran_on = (await connection.execute(text("SELECT thread_id()"))).scalar()
        mode = (await connection.execute(text("PRAGMA journal_mode"))).scalar()
        durable = (await connection.execute(text("PRAGMA synchronous"))).scalar()
    assert ran_on == threading.get_ident()
    assert (mode, durable) == ("wal", 2)  # the product's pragmas: WAL, synchronous=FULL


async def test_the_twin_and_the_async_engine_see_each_others_commits(store: Store) -> None:
    async with store.transaction() as repo:
        await repo.ensure_community("console:twin", "console", CommunitySettings(), NOW)
    async with store.engine.connect() as connection:
        found = await connection.execute(select(COMMUNITY.c.id))
        assert set(found.scalars()) == {"console:twin"}
    async with store.engine.begin() as connection:
        await connection.execute(
            COMMUNITY.insert().values(
                id="console:async", platform="console", settings={}, created_at=NOW
            )
        )
    async with store.transaction() as repo:
        assert await repo.community("console:async") is not None


async def test_a_failed_transaction_leaves_nothing_and_the_next_one_works(store: Store) -> None:
    async def fails() -> None:
        async with store.transaction() as repo:
            await repo.ensure_community("console:gone", "console", CommunitySettings(), NOW)
            raise RuntimeError("the block failed")

    with pytest.raises(RuntimeError):
        await fails()
    async with store.transaction() as repo:
        assert await repo.community("console:gone") is None
        await repo.ensure_community("console:kept", "console", CommunitySettings(), NOW)
    async with store.transaction() as repo:
        assert await repo.community("console:kept") is not None


async def test_an_in_memory_database_keeps_the_async_engine() -> None:
    store = Store(create_engine("sqlite+aiosqlite:///:memory:"))
    try:
        assert store.sync_engine is store.engine.sync_engine
    finally:
        await store.dispose()


async def test_a_write_lock_held_elsewhere_fails_as_sqlalchemy_reports_it(
    store: Store, sqlite_url: str
) -> None:
    path = make_url(sqlite_url).database
    assert path is not None
    async with store.transaction() as repo:  # the kept connection waits 50 ms, not seconds
        driver = repo._db.sync_connection.connection.driver_connection  # type: ignore[union-attr]
        assert driver is not None
        driver.execute("PRAGMA busy_timeout=50")
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(exc.OperationalError, match="locked"):
            async with store.transaction():
                pass
    finally:
        other.execute("ROLLBACK")
        other.close()
    async with store.transaction() as repo:  # and the next one works
        await repo.ensure_community("console:after", "console", CommunitySettings(), NOW)


ORPHAN = (
    "INSERT INTO outbound (community_id, platform, source, seq, intent, created_at, "
    "next_try_at, attempts) VALUES ('console:nowhere', 'console', 's', 0, '{}', "
    "'2026-03-02 09:00:00.000000', '2026-03-02 09:00:00.000000', 0)"
)


@pytest.mark.parametrize("through_sqlalchemy", [False, True])
async def test_a_commit_that_fails_is_undone_and_the_kept_connection_is_as_before(
    store: Store, through_sqlalchemy: bool
) -> None:
    """A row whose foreign key is checked at COMMIT (deferred) makes the commit fail."""

    async def write_an_orphan() -> None:
        async with store.transaction(durable=False) as repo:
            driver = repo._db.sync_connection.connection.driver_connection  # type: ignore[union-attr]
            assert driver is not None
            driver.execute("PRAGMA defer_foreign_keys=ON")
            if through_sqlalchemy:
                await repo._db.execute(text(ORPHAN), execution_options={"plain": True})
            else:
                driver.execute(ORPHAN)

    with pytest.raises(exc.IntegrityError, match="FOREIGN KEY"):
        await write_an_orphan()
    async with store.transaction() as repo:
        level = (await repo._db.execute(text("PRAGMA synchronous"))).scalar()
        assert level == 2  # FULL again: a later durable transaction waits for the disk
        orphans = await repo._db.execute(text("SELECT count(*) FROM outbound"))
        assert orphans.scalar() == 0
        await repo.ensure_community("console:after", "console", CommunitySettings(), NOW)
    async with store.transaction() as repo:
        assert await repo.community("console:after") is not None
