"""A start on a current schema skips alembic; anything else still migrates."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.engine import create_engine
from bot.store.migrate import alembic_config, at_head, script_heads, upgrade


@pytest.fixture
async def engine(empty_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(empty_database_url)
    yield engine
    await engine.dispose()


def test_heads_read_from_the_scripts_are_alembics() -> None:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert script_heads() == frozenset(heads)


def test_a_script_without_plain_revision_lines_leaves_the_decision_to_alembic(
    tmp_path: Path,
) -> None:
    (tmp_path / "0001_a.py").write_text('revision = "0001"\ndown_revision = None\n')
    (tmp_path / "0002_b.py").write_text('revision = "0002"\ndown_revision = "0001"\n')
    assert script_heads(tmp_path) == frozenset({"0002"})
    (tmp_path / "0003_c.py").write_text("revision = make_revision()\ndown_revision = '0002'\n")
    assert script_heads(tmp_path) is None


async def test_only_a_database_at_head_is_left_alone(engine: AsyncEngine) -> None:
    assert not await at_head(engine)  # new: no alembic_version table
    await upgrade(engine, "0005")
    assert not await at_head(engine)
    await upgrade(engine)
    assert await at_head(engine)
    async with engine.connect() as connection:
        tables = await connection.run_sync(lambda sync: set(sync.dialect.get_table_names(sync)))
    assert "tombstone" in tables  # 0006 ran
    await upgrade(engine)  # at head: nothing to do, nothing breaks
    async with engine.begin() as connection:
        await connection.execute(text("UPDATE alembic_version SET version_num = '0005'"))
    assert not await at_head(engine)
