"""SQLite runs on the event loop's thread (no aiosqlite worker hop), and stays correct."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from sqlalchemy import text

from bot.store.engine import create_engine


async def test_statements_run_on_the_event_loop_thread(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'inline.db'}")
    try:
        async with engine.connect() as connection:
            raw = await connection.get_raw_connection()
            raw.driver_connection._conn.create_function("thread_id", 0, threading.get_ident)  # type: ignore[union-attr]
            ran_on = (await connection.execute(text("SELECT thread_id()"))).scalar()
        assert ran_on == threading.get_ident()
    finally:
        await engine.dispose()


async def test_concurrent_transactions_in_one_process_do_not_block_each_other(
    tmp_path: Path,
) -> None:
    """Two engines on one file, many interleaved writers: all commit, none times out."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"
    engines = [create_engine(url), create_engine(url)]
    try:
        async with engines[0].begin() as connection:
            await connection.execute(text("CREATE TABLE t (n INTEGER)"))

        async def write(n: int) -> None:
            async with engines[n % 2].begin() as connection:
                await connection.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})

        await asyncio.wait_for(asyncio.gather(*(write(n) for n in range(200))), timeout=30)
        async with engines[1].connect() as connection:
            assert (await connection.execute(text("SELECT count(*) FROM t"))).scalar() == 200
    finally:
        for engine in engines:
            await engine.dispose()
