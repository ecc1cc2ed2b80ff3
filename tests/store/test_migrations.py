"""Migrations build exactly the schema the tables describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.model import CommunitySettings
from bot.store.engine import create_engine, is_sqlite
from bot.store.library_search import is_search_table
from bot.store.migrate import alembic_config, upgrade
from bot.store.repo import Store
from bot.store.tables import metadata, schema

ALEMBIC_VERSION = "alembic_version"


@pytest.fixture
async def engine(empty_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(empty_database_url)
    try:
        yield engine
    finally:
        await engine.dispose()


def _head() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


async def _tables(engine: AsyncEngine) -> set[str]:
    """The tables, the library's full-text index apart (each engine's own, see
    test_the_library_search_index_is_each_engines_own)."""

    def names(connection: Connection) -> set[str]:
        return {n for n in inspect(connection).get_table_names() if not is_search_table(n)}

    async with engine.connect() as connection:
        return await connection.run_sync(names)


async def _revision(engine: AsyncEngine) -> str | None:
    def current(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        return await connection.run_sync(current)


async def _differences(engine: AsyncEngine) -> list[Any]:
    def compare(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "compare_server_default": True,
                "include_object": _include_object,
            },
        )
        return list(compare_metadata(context, schema()))

    async with engine.connect() as connection:
        return await connection.run_sync(compare)


def _include_object(_item: Any, name: str | None, kind: str, *_: Any) -> bool:
    return not (kind == "table" and name is not None and is_search_table(name))


async def test_the_library_search_index_is_each_engines_own(engine: AsyncEngine) -> None:
    await upgrade(engine)
    async with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            kind = "SELECT data_type FROM information_schema.columns WHERE table_name = "
            found = await connection.execute(
                text(kind + "'library_search' AND column_name = 'doc'")
            )
            assert found.scalar_one() == "tsvector"
            index = "SELECT indexdef FROM pg_indexes WHERE tablename = 'library_search'"
            assert any(
                "gin" in d.lower() for d in (await connection.execute(text(index))).scalars()
            )
        else:
            made = "SELECT sql FROM sqlite_master WHERE name = 'library_search'"
            sql = (await connection.execute(text(made))).scalar_one()
            assert "fts5" in sql.lower() and "porter" in sql.lower()


async def test_upgrade_creates_exactly_the_tables_of_the_metadata(engine: AsyncEngine) -> None:
    assert await _tables(engine) == set()

    await upgrade(engine)

    expected = set(metadata.tables)
    assert expected  # the tables module registered something
    assert await _tables(engine) == expected | {ALEMBIC_VERSION}
    assert await _revision(engine) == _head()


async def test_migrated_schema_matches_the_tables(engine: AsyncEngine) -> None:
    await upgrade(engine)

    assert await _differences(engine) == []


async def test_an_empty_database_differs_from_the_tables(engine: AsyncEngine) -> None:
    """The comparison above really looks: without migrations it reports every table."""
    differences = await _differences(engine)

    added = {diff[1].name for diff in differences if diff[0] == "add_table"}
    assert added == set(metadata.tables)


async def test_upgrading_twice_is_harmless(engine: AsyncEngine) -> None:
    await upgrade(engine)
    await upgrade(engine)

    assert await _tables(engine) == set(metadata.tables) | {ALEMBIC_VERSION}
    assert await _revision(engine) == _head()
    assert await _differences(engine) == []


async def test_upgrade_twice_keeps_data(engine: AsyncEngine) -> None:
    await upgrade(engine)
    store = Store(engine)
    try:
        async with store.transaction() as repo:
            await repo.ensure_community(
                "console:kept", "console", CommunitySettings(), datetime(2026, 1, 1, tzinfo=UTC)
            )

        await upgrade(engine)

        async with store.transaction() as repo:
            assert await repo.community("console:kept") is not None
    finally:
        await store.dispose()


async def test_sqlite_database_is_in_wal_mode(empty_sqlite_url: str) -> None:
    sqlite_url = empty_sqlite_url
    engine = create_engine(sqlite_url)
    try:
        await upgrade(engine)
        async with engine.connect() as connection:
            mode = (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar()
            foreign_keys = (await connection.exec_driver_sql("PRAGMA foreign_keys")).scalar()
    finally:
        await engine.dispose()

    assert str(mode).lower() == "wal"
    assert foreign_keys == 1
    # WAL is a property of the file, so a plain connection that set nothing sees it too.
    assert is_sqlite(sqlite_url)
    path = make_url(sqlite_url).database
    assert path is not None
    plain = sqlite3.connect(path)
    try:
        assert plain.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        plain.close()
