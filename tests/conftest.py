"""Fixtures shared by the whole suite.

Database fixtures (each test gets its own database; the schema is migrated once per session
into a template and copied, so a test does not pay for the migrations):

* ``sqlite_url``: a SQLite file in the test's ``tmp_path``, a copy of the migrated template.
* ``postgres_url``: a uniquely named PostgreSQL database made with ``CREATE DATABASE ...
  TEMPLATE`` from the migrated template, dropped after the test. The server comes from
  ``REBOUND_TEST_POSTGRES_URL`` (default ``postgresql+asyncpg://postgres@127.0.0.1:5432/test``).
  If it is unreachable the test is skipped, unless ``REBOUND_REQUIRE_POSTGRES`` or ``CI`` is
  true, in which case it fails.
* ``database_url``: parametrised over ``sqlite`` and ``postgres``, so a test that takes it
  runs on both. The postgres case carries the ``postgres`` marker (``-m "not postgres"``).
* ``empty_sqlite_url``, ``empty_postgres_url``, ``empty_database_url``: the same, but with
  nothing in them, for tests of the migrations themselves.

The fixtures are synchronous (they drive asyncpg on a private event loop), so sync and async
tests alike can use them.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import pytest
from sqlalchemy.engine import URL, make_url

from bot.store.engine import create_engine
from bot.store.migrate import upgrade

DEFAULT_TEST_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
POSTGRES_CONNECT_TIMEOUT_S = 2.0
START_POSTGRES_HINT = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"

_SCRUBBED_ENV_PREFIXES = ("SLACK_", "DISCORD_")
_SCRUBBED_ENV_NAMES = frozenset({"REBOUND_DATABASE_URL"})

_T = TypeVar("_T")


def _is_true(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def _postgres_required() -> bool:
    return _is_true(os.environ.get("REBOUND_REQUIRE_POSTGRES")) or _is_true(os.environ.get("CI"))


def _asyncpg_dsn(url: URL) -> str:
    """A plain libpq-style DSN for asyncpg from a SQLAlchemy URL (drops ``+asyncpg``)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _run(coro: Coroutine[Any, Any, _T]) -> _T:
    # A private loop, never installed as the thread's current loop, so it cannot disturb the
    # loop pytest-asyncio runs the test on.
    with asyncio.Runner(loop_factory=asyncio.new_event_loop) as runner:
        return runner.run(coro)


async def _execute(dsn: str, statement: str) -> None:
    conn = await asyncpg.connect(dsn, timeout=POSTGRES_CONNECT_TIMEOUT_S)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


async def _reachable(dsn: str) -> Exception | None:
    """``None`` if a connection and a trivial query succeed, else the error."""
    try:
        conn = await asyncpg.connect(dsn, timeout=POSTGRES_CONNECT_TIMEOUT_S)
        try:
            await conn.fetchval("SELECT 1")
        finally:
            await conn.close()
    except Exception as exc:  # refused, timed out, auth failed, no such database...
        return exc
    return None


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's platform tokens and database URL out of every test.

    ``REBOUND_TEST_POSTGRES_URL`` and ``REBOUND_REQUIRE_POSTGRES`` are kept.
    """
    for name in list(os.environ):
        if name.startswith(_SCRUBBED_ENV_PREFIXES) or name in _SCRUBBED_ENV_NAMES:
            monkeypatch.delenv(name, raising=False)


async def _migrate(url: str) -> None:
    engine = create_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


@pytest.fixture
def empty_sqlite_url(tmp_path: Path) -> str:
    """URL of a fresh (not yet created) SQLite database file inside ``tmp_path``."""
    return f"sqlite+aiosqlite:///{tmp_path}/rebound.db"


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to the head revision, made once per session."""
    path = tmp_path_factory.mktemp("template") / "rebound.db"
    _run(_migrate(f"sqlite+aiosqlite:///{path}"))
    # Disposing the engine checkpoints the write-ahead log, so the one file is the database.
    assert not path.with_name(f"{path.name}-wal").exists()
    return path


@pytest.fixture
def sqlite_url(empty_sqlite_url: str, _sqlite_template: Path) -> str:
    """URL of a SQLite database file inside ``tmp_path``, already migrated."""
    database = make_url(empty_sqlite_url).database
    assert database is not None
    shutil.copyfile(_sqlite_template, database)
    return empty_sqlite_url


@pytest.fixture(scope="session")
def _postgres_server() -> URL:
    """The PostgreSQL server's URL, checked once; skips (or fails, if required) without it."""
    base = make_url(os.environ.get("REBOUND_TEST_POSTGRES_URL") or DEFAULT_TEST_POSTGRES_URL)
    error = _run(_reachable(_asyncpg_dsn(base)))
    if error is not None:
        message = (
            f"PostgreSQL not reachable at {base.render_as_string(hide_password=True)} "
            f"({type(error).__name__}: {error}): start it with `{START_POSTGRES_HINT}` "
            "(set REBOUND_TEST_POSTGRES_URL to use another server)"
        )
        if _postgres_required():
            pytest.fail(f"{message}; required because REBOUND_REQUIRE_POSTGRES or CI is set")
        pytest.skip(message)
    return base


def _postgres_database(base: URL, template: str = "") -> Iterator[str]:
    """A uniquely named database (a copy of `template` if given), dropped afterwards."""
    base_dsn = _asyncpg_dsn(base)
    name = f"rebound_test_{secrets.token_hex(6)}"
    copied = f' TEMPLATE "{template}"' if template else ""
    _run(_execute(base_dsn, f'CREATE DATABASE "{name}"{copied}'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        # FORCE terminates connections a test's engine may still hold in its pool.
        _run(_execute(base_dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def empty_postgres_url(_postgres_server: URL) -> Iterator[str]:
    """URL of an empty PostgreSQL database created for this test and dropped after it."""
    yield from _postgres_database(_postgres_server)


@pytest.fixture(scope="session")
def _postgres_template(_postgres_server: URL) -> Iterator[str]:
    """The name of a PostgreSQL database migrated to the head revision, once per session."""
    for url in _postgres_database(_postgres_server):
        _run(_migrate(url))
        name = make_url(url).database
        assert name is not None
        yield name


@pytest.fixture
def postgres_url(_postgres_server: URL, _postgres_template: str) -> Iterator[str]:
    """URL of a migrated PostgreSQL database created for this test and dropped after it."""
    yield from _postgres_database(_postgres_server, template=_postgres_template)


_BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


@pytest.fixture(params=_BACKENDS)
def database_url(request: pytest.FixtureRequest) -> str:
    """The URL of a migrated database: each test taking this runs on SQLite and PostgreSQL."""
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@pytest.fixture(params=_BACKENDS)
def empty_database_url(request: pytest.FixtureRequest) -> str:
    """The URL of an empty database, on SQLite and on PostgreSQL."""
    url: str = request.getfixturevalue(f"empty_{request.param}_url")
    return url
