"""SQLAlchemy's asyncio package loaded without its ORM session stays the whole package.

Each case runs in a fresh interpreter: this one has imported SQLAlchemy's ORM already.
"""

from __future__ import annotations

import subprocess
import sys

ENGINE_ALONE = """
import asyncio, sys
from adapters.lean_sqlalchemy import load_engine_without_session
load_engine_without_session()
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

async def main() -> None:
    engine = create_async_engine("sqlite+aiosqlite://")
    async with engine.connect() as connection:
        assert isinstance(connection, AsyncConnection)
        assert (await connection.execute(text("SELECT 41 + 1"))).scalar() == 42
    assert "sqlalchemy.orm" not in sys.modules, "the engine alone loaded the ORM"

    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker  # the rest, on use

    assert "sqlalchemy.orm" in sys.modules
    async with async_sessionmaker(engine)() as session:
        assert isinstance(session, AsyncSession)
        assert (await session.execute(text("SELECT 7"))).scalar() == 7
    await engine.dispose()

asyncio.run(main())
print("ok")
"""

ALREADY_IMPORTED = """
import sqlalchemy.ext.asyncio as whole
from adapters.lean_sqlalchemy import load_engine_without_session
load_engine_without_session()
import sqlalchemy.ext.asyncio as after
assert after is whole and "__getattr__" not in vars(after)
print("ok")
"""


def run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_engine_works_without_the_orm_and_the_session_loads_on_use() -> None:
    assert run(ENGINE_ALONE) == "ok"


def test_a_package_imported_already_is_left_as_it_is() -> None:
    assert run(ALREADY_IMPORTED) == "ok"
