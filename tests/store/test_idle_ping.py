"""PostgreSQL connections are pinged only after sitting idle; a dead idle one is replaced."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bot.store import engine as engine_module
from bot.store.engine import create_engine


async def test_a_connection_killed_while_idle_is_replaced(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = create_engine(postgres_url)
    try:
        async with engine.connect() as conn:
            victim = await conn.scalar(text("SELECT pg_backend_pid()"))
        async with engine.connect() as conn:  # just returned: used as is, no ping
            assert await conn.scalar(text("SELECT pg_backend_pid()")) == victim

        other = create_engine(postgres_url)
        try:
            async with other.connect() as conn:
                await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": victim})
        finally:
            await other.dispose()

        monkeypatch.setattr(engine_module, "IDLE_PING_S", 0.0)  # now it counts as idle
        async with engine.connect() as conn:
            replaced = await conn.scalar(text("SELECT pg_backend_pid()"))
        assert replaced != victim
    finally:
        await engine.dispose()
