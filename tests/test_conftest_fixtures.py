"""The shared database fixtures in conftest.py do what they promise."""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

import asyncpg
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from bot.store.migrate import alembic_config

# Databases seen by test_each_test_gets_its_own_database, in order.
_seen_databases: list[str] = []


def _dsn(sqlalchemy_url: str) -> str:
    url = make_url(sqlalchemy_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


async def _database_exists(dsn: str, name: str) -> bool:
    conn = await asyncpg.connect(dsn, timeout=2)
    try:
        found = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
    finally:
        await conn.close()
    return bool(found == 1)


def test_empty_sqlite_url_points_into_tmp_path(empty_sqlite_url: str, tmp_path: Path) -> None:
    url = make_url(empty_sqlite_url)
    assert url.drivername == "sqlite+aiosqlite"
    assert url.database is not None
    db_file = Path(url.database)
    assert db_file.parent == tmp_path
    assert not db_file.exists()


def _head() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def test_sqlite_url_is_a_migrated_copy_in_tmp_path(sqlite_url: str, tmp_path: Path) -> None:
    database = make_url(sqlite_url).database
    assert database is not None and Path(database).parent == tmp_path
    with closing(sqlite3.connect(database)) as connection:
        connection.execute("INSERT INTO processed_event VALUES ('c', 'e', '2026-01-01')")
        connection.commit()
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [
            (_head(),)
        ]


@pytest.mark.parametrize("run", ["first", "second"])
def test_each_sqlite_copy_starts_clean(sqlite_url: str, run: str) -> None:
    database = make_url(sqlite_url).database
    assert database is not None
    with closing(sqlite3.connect(database)) as connection:
        assert connection.execute("SELECT count(*) FROM processed_event").fetchone() == (0,)
        connection.execute("INSERT INTO processed_event VALUES ('c', 'e', '2026-01-01')")
        connection.commit()


def test_platform_environment_is_scrubbed() -> None:
    leaked = [
        name
        for name in os.environ
        if name.startswith(("SLACK_", "DISCORD_")) or name == "REBOUND_DATABASE_URL"
    ]
    assert leaked == []


@pytest.mark.postgres
async def test_empty_postgres_url_names_a_live_fresh_database(empty_postgres_url: str) -> None:
    postgres_url = empty_postgres_url
    url = make_url(postgres_url)
    assert url.drivername == "postgresql+asyncpg"
    assert url.database is not None
    assert url.database.startswith("rebound_test_")
    conn = await asyncpg.connect(_dsn(postgres_url), timeout=2)
    try:
        assert await conn.fetchval("SELECT current_database()") == url.database
        # Fresh: nothing but the system schemas' tables.
        tables = await conn.fetchval(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        )
        assert tables == 0
    finally:
        await conn.close()


@pytest.mark.postgres
async def test_postgres_url_is_a_migrated_copy(postgres_url: str) -> None:
    conn = await asyncpg.connect(_dsn(postgres_url), timeout=2)
    try:
        assert await conn.fetchval("SELECT version_num FROM alembic_version") == _head()
        assert await conn.fetchval("SELECT count(*) FROM processed_event") == 0
    finally:
        await conn.close()


@pytest.mark.postgres
@pytest.mark.parametrize("run", ["first", "second"])
async def test_each_test_gets_its_own_database(postgres_url: str, run: str) -> None:
    name = make_url(postgres_url).database
    assert name is not None
    assert await _database_exists(_dsn(postgres_url), name)
    if _seen_databases:
        previous = _seen_databases[-1]
        assert previous != name
        # The previous test's database was dropped when that test ended.
        assert not await _database_exists(_dsn(postgres_url), previous)
    _seen_databases.append(name)


def test_database_url_runs_on_each_backend(
    database_url: str, request: pytest.FixtureRequest
) -> None:
    backend = request.node.callspec.params["database_url"]
    expected = {"sqlite": "sqlite+aiosqlite", "postgres": "postgresql+asyncpg"}[backend]
    assert make_url(database_url).drivername == expected
    assert (request.node.get_closest_marker("postgres") is not None) == (backend == "postgres")
