"""Transactions that need not wait for the disk: a delivery's record (bot/engine/delivery.py).

Such a commit survives the process being killed (the WAL is written; PostgreSQL has it in
memory) and may be undone only by a power cut, never without undoing what came after it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from bot.domain.model import CommunitySettings
from bot.store.engine import create_engine
from bot.store.repo import Repo, Store

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    store = Store(create_engine(database_url))
    yield store
    await store.dispose()


async def disk_wait(repo: Repo) -> str:
    """How this transaction's commit waits for the disk, as the database says it."""
    if repo._db.dialect.name == "sqlite":
        level = (await repo._db.execute(text("PRAGMA synchronous"))).scalar()
        return {1: "normal", 2: "full"}[int(str(level))]
    return str((await repo._db.execute(text("SHOW synchronous_commit"))).scalar())


async def test_a_record_commits_without_waiting_and_the_next_transaction_waits_again(
    store: Store,
) -> None:
    durable = "full" if store.sync_engine.dialect.name == "sqlite" else "on"
    not_durable = "normal" if store.sync_engine.dialect.name == "sqlite" else "off"
    async with store.transaction(durable=False) as repo:
        assert await disk_wait(repo) == not_durable
        await repo.ensure_community("console:quick", "console", CommunitySettings(), NOW)
    async with store.transaction() as repo:
        assert await disk_wait(repo) == durable
        assert await repo.community("console:quick") is not None  # committed all the same


async def test_a_failed_record_undoes_itself_and_the_next_transaction_still_waits(
    store: Store,
) -> None:
    durable = "full" if store.sync_engine.dialect.name == "sqlite" else "on"

    async def fails() -> None:
        async with store.transaction(durable=False) as repo:
            await repo.ensure_community("console:undone", "console", CommunitySettings(), NOW)
            raise RuntimeError("the record failed")

    with pytest.raises(RuntimeError):
        await fails()
    async with store.transaction() as repo:
        assert await disk_wait(repo) == durable
        assert await repo.community("console:undone") is None
