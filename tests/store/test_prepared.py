"""Statements run straight on the driver (bot/store/prepared.py) behave as SQLAlchemy's
own execution does, on both databases: events, errors, rollbacks, results."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import bindparam, event, select, text
from sqlalchemy.exc import IntegrityError

from bot.domain.model import CommunitySettings, PostSource
from bot.store import asyncpg_path, prepared
from bot.store.engine import create_engine
from bot.store.migrate import upgrade
from bot.store.repo import Store
from bot.store.statements import COMMUNITY, OUTBOUND, SETBACK
from tests.store.test_repo import NOW, _draft

A = "console:alpha"


@asynccontextmanager
async def store_with_a_community(url: str) -> AsyncIterator[Store]:
    """A store on `url` (migrated) where community `A` exists."""
    engine = create_engine(url)
    await upgrade(engine)
    store = Store(engine)
    async with store.transaction() as repo:
        await repo.ensure_community(A, "console", CommunitySettings(), NOW)
    try:
        yield store
    finally:
        await store.dispose()


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    async with store_with_a_community(database_url) as store:
        yield store


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
    inserted = [sql for sql in ran if "INSERT INTO setback" in sql]  # in a CTE on PostgreSQL
    assert inserted and inserted[0] in seen  # on the fast path, and the event still fired


async def test_a_driver_error_is_sqlalchemys_and_undoes_the_transaction(store: Store) -> None:
    with pytest.raises(IntegrityError):  # no such community: the foreign key refuses it
        await _add(store, "console:nowhere")
    post_id = await _add(store, A)  # the connection is fine afterwards
    async with store.engine.connect() as connection:
        ids = (await connection.execute(select(SETBACK.c.id))).scalars().all()
    assert ids == [post_id]


@pytest.mark.parametrize("through_sqlalchemy", [False, True])
async def test_a_transaction_commits_or_undoes_whether_or_not_sqlalchemy_ran_a_statement(
    store: Store, through_sqlalchemy: bool
) -> None:
    """The driver begins the transaction (bot/store/inline_sync.py, pg_transaction.py); a
    statement SQLAlchemy runs itself joins it."""

    async def write(community_id: str, fail: bool) -> None:
        async with store.transaction() as repo:
            await repo.ensure_community(community_id, "console", CommunitySettings(), NOW)
            if through_sqlalchemy:
                await repo._db.execute(text("SELECT 1"), execution_options={"plain": True})
            if fail:
                raise RuntimeError("the block failed")

    commits: list[object] = []

    def committed(connection: object) -> None:
        commits.append(connection)

    event.listen(store.sync_engine, "commit", committed)
    try:
        with pytest.raises(RuntimeError):
            await write("console:undone", fail=True)
        await write("console:done", fail=False)
    finally:
        event.remove(store.sync_engine, "commit", committed)
    async with store.engine.connect() as connection:
        found = set((await connection.execute(select(COMMUNITY.c.id))).scalars())
    assert found == {A, "console:done"}
    assert len(commits) == 1  # commit listeners see the driver's commits too


async def test_the_sql_kept_for_lists_lengths_stays_bounded(store: Store) -> None:
    """A list's length is the members' doing: one SQL kept per length would grow without
    end, so what is kept is emptied when full, and every length still runs."""
    ids = select(COMMUNITY.c.id).where(COMMUNITY.c.id.in_(bindparam("ids", expanding=True)))
    statement = prepared.prepared(ids)
    async with store.transaction() as repo:
        db = repo._db
        for length in range(1, max(prepared.SIZES_KEPT, asyncpg_path.VARIANTS_KEPT) + 2):
            wanted = [A, *(f"console:none-{n}" for n in range(length - 1))]
            found = (await db.execute(statement, {"ids": wanted})).scalars().all()
            assert found == [A]
    if db.dialect.name == "postgresql":
        assert 0 < len(asyncpg_path._variants) <= asyncpg_path.VARIANTS_KEPT
    else:
        plan = prepared.plan_for(statement, db.dialect, {"ids": [A]})
        assert plan is not None
        assert 0 < len(plan._sized) <= prepared.SIZES_KEPT


async def test_several_rows_are_inserted_and_returned_by_one_statement(store: Store) -> None:
    statements: list[str] = []

    def ran(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(store.sync_engine, "before_cursor_execute", ran)
    try:
        async with store.transaction() as repo:
            ids = await repo.outbound.enqueue(
                community_id=A,
                platform="console",
                rows=[("event:ev-1", seq, {"kind": "send", "n": seq}) for seq in range(3)],
                now=NOW,
                owner="worker",
                lease_until=NOW,
            )
    finally:
        event.remove(store.sync_engine, "before_cursor_execute", ran)
    async with store.engine.connect() as connection:
        rows = await connection.execute(select(OUTBOUND.c.seq, OUTBOUND.c.id, OUTBOUND.c.intent))
        stored = {seq: (row_id, intent) for seq, row_id, intent in rows}
    assert ids == {("event:ev-1", seq): stored[seq][0] for seq in range(3)}
    assert [stored[seq][1]["n"] for seq in range(3)] == [0, 1, 2]
    if store.sync_engine.dialect.name == "sqlite":  # asyncpg's own path has its test
        assert [sql.count("VALUES") for sql in statements] == [1]
