"""Statements run straight on the driver (bot/store/prepared.py) behave as SQLAlchemy's
own execution does, on both databases: events, errors, rollbacks, results."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError

from bot.domain.model import CommunitySettings, PostSource
from bot.store import prepared
from bot.store.engine import create_engine
from bot.store.migrate import upgrade
from bot.store.repo import Store
from bot.store.statements import SETBACK
from tests.store.test_repo import NOW, _draft

A = "console:alpha"


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    engine = create_engine(database_url)
    await upgrade(engine)
    store = Store(engine)
    async with store.transaction() as repo:
        await repo.ensure_community(A, "console", CommunitySettings(), NOW)
    try:
        yield store
    finally:
        await store.dispose()


async def _add(store: Store, community_id: str) -> int:
    async with store.transaction() as repo:
        post = await repo.add_post(
            community_id=community_id,
            poster_id="U-maya",
            poster_name="Maya",
            draft=_draft(),
            pseudonym="Calm Owl",
            source=PostSource.FORM,
            channel_id="support",
            now=NOW,
        )
        assert post.id is not None
        return post.id


async def test_a_prepared_statement_runs_on_the_driver_and_is_seen_by_listeners(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: list[str] = []
    real = prepared.plan_for

    def spy(*args: object) -> object:
        plan = real(*args)  # type: ignore[arg-type]
        if plan is not None:
            ran.append(plan.sql)
        return plan

    monkeypatch.setattr(prepared, "plan_for", spy)
    seen: list[str] = []

    def listen(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(store.sync_engine, "before_cursor_execute", listen)
    try:
        post_id = await _add(store, A)
        async with store.transaction() as repo:
            taken = await repo.post(A, post_id)
    finally:
        event.remove(store.sync_engine, "before_cursor_execute", listen)
    assert taken is not None and taken.title == _draft().title and taken.tags == ("nerves",)
    assert taken.created_at == NOW  # aware UTC back, as SQLAlchemy's own path gives it
    inserted = [sql for sql in ran if sql.startswith("INSERT INTO setback")]
    assert inserted and inserted[0] in seen  # on the fast path, and the event still fired


async def test_a_driver_error_is_sqlalchemys_and_undoes_the_transaction(store: Store) -> None:
    with pytest.raises(IntegrityError):  # no such community: the foreign key refuses it
        await _add(store, "console:nowhere")
    post_id = await _add(store, A)  # the connection is fine afterwards
    async with store.engine.connect() as connection:
        ids = (await connection.execute(select(SETBACK.c.id))).scalars().all()
    assert ids == [post_id]
