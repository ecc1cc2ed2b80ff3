"""Fixtures shared by the whole suite.

Database fixtures:

* ``sqlite_url``: a fresh SQLite file in the test's ``tmp_path``.
* ``postgres_url``: a fresh, uniquely named PostgreSQL database, dropped after the test.
  The server comes from ``REBOUND_TEST_POSTGRES_URL`` (default
  ``postgresql+asyncpg://postgres@127.0.0.1:5432/test``). If it is unreachable the test is
  skipped, unless ``REBOUND_REQUIRE_POSTGRES`` or ``CI`` is true, in which case it fails.
* ``database_url``: parametrised over ``sqlite`` and ``postgres``, so a test that takes it
  runs on both. The postgres case carries the ``postgres`` marker (``-m "not postgres"``).

The fixtures are synchronous (they drive asyncpg on a private event loop), so sync and async
tests alike can use them.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import pytest
from sqlalchemy.engine import URL, make_url

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


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """URL of a fresh (not yet created) SQLite database file inside ``tmp_path``."""
    return f"sqlite+aiosqlite:///{tmp_path}/rebound.db"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """URL of a fresh PostgreSQL database created for this test and dropped after it."""
    base = make_url(os.environ.get("REBOUND_TEST_POSTGRES_URL") or DEFAULT_TEST_POSTGRES_URL)
    base_dsn = _asyncpg_dsn(base)
    shown = base.render_as_string(hide_password=True)

    error = _run(_reachable(base_dsn))
    if error is not None:
        message = (
            f"PostgreSQL not reachable at {shown} ({type(error).__name__}: {error}): "
            f"start it with `{START_POSTGRES_HINT}` "
            "(set REBOUND_TEST_POSTGRES_URL to use another server)"
        )
        if _postgres_required():
            pytest.fail(f"{message}; required because REBOUND_REQUIRE_POSTGRES or CI is set")
        pytest.skip(message)

    name = f"rebound_test_{secrets.token_hex(6)}"
    _run(_execute(base_dsn, f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        # FORCE terminates connections a test's engine may still hold in its pool.
        _run(_execute(base_dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def database_url(request: pytest.FixtureRequest) -> str:
    """The URL of a fresh database: each test taking this runs on SQLite and on PostgreSQL."""
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url
