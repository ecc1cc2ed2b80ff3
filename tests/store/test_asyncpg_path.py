"""PostgreSQL transactions begun and ended on asyncpg (bot/store/pg_transaction.py) and hot
statements run on it (bot/store/asyncpg_path.py) behave as SQLAlchemy's own path does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from sqlalchemy import bindparam, event, exc, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.model import CommunitySettings
from bot.store import pg_transaction
from bot.store.prepared import prepared
from bot.store.repo import Store
from bot.store.statements import COMMUNITY, OUTBOUND
from tests.store.test_prepared import A, store_with_a_community
from tests.store.test_repo import NOW

pytestmark = pytest.mark.postgres


@pytest.fixture
async def store(postgres_url: str) -> AsyncIterator[Store]:
    async with store_with_a_community(postgres_url) as store:
        yield store


@pytest.fixture
def simple_queries(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every query sent to asyncpg without arguments (BEGIN, COMMIT, settings)."""
    sent: list[str] = []
    real = asyncpg.Connection.execute

    async def spy(self: asyncpg.Connection, query: str, *args: Any, **kwargs: Any) -> Any:
        if not args:
            sent.append(query)
        return await real(self, query, *args, **kwargs)

    monkeypatch.setattr(asyncpg.Connection, "execute", spy)
    return sent


@pytest.fixture
def through_sqlalchemy(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every statement SQLAlchemy's async connection ran itself."""
    ran: list[str] = []
    real = AsyncConnection.execute

    async def spy(self: AsyncConnection, statement: Any, *args: Any, **kwargs: Any) -> Any:
        ran.append(str(statement))
        return await real(self, statement, *args, **kwargs)

    monkeypatch.setattr(AsyncConnection, "execute", spy)
    return ran


@pytest.mark.parametrize("durable", [True, False])
async def test_a_transaction_begins_with_its_setting_in_one_round_trip(
    store: Store, simple_queries: list[str], durable: bool
) -> None:
    async with store.transaction(durable=durable) as repo:
        await repo.claim_event(A, "ev-1", NOW)
        waits = (await repo._db.execute(text("SHOW synchronous_commit"))).scalar()
    begin = "BEGIN" if durable else "BEGIN; SET LOCAL synchronous_commit TO OFF"
    assert simple_queries == [begin, "COMMIT"]
    assert waits == ("on" if durable else "off")


@pytest.mark.parametrize("sqlalchemy_too", [False, True])
async def test_a_commit_that_fails_is_sqlalchemys_error_and_the_connection_works_after(
    store: Store, sqlalchemy_too: bool
) -> None:
    """A row whose foreign key is checked at COMMIT (deferred) makes the commit fail."""
    async with store.engine.begin() as connection:
        await connection.execute(text("CREATE TABLE parent (id int PRIMARY KEY)"))
        await connection.execute(
            text(
                "CREATE TABLE child (parent_id int REFERENCES parent (id)"
                " DEFERRABLE INITIALLY DEFERRED)"
            )
        )

    async def write_an_orphan() -> None:
        async with store.transaction(durable=False) as repo:
            options = {"plain": True} if sqlalchemy_too else None
            await repo._db.execute(text("INSERT INTO child VALUES (7)"), execution_options=options)

    for _ in range(3):  # more than once: the pooled connection is as it was
        with pytest.raises(exc.IntegrityError):
            await write_an_orphan()
        async with store.transaction() as repo:
            assert (await repo._db.execute(text("SHOW synchronous_commit"))).scalar() == "on"
            assert (await repo._db.execute(text("SELECT count(*) FROM child"))).scalar() == 0


async def _enqueue(store: Store, count: int) -> dict[tuple[str, int], int]:
    async with store.transaction() as repo:
        return await repo.outbound.enqueue(
            community_id=A,
            platform="console",
            rows=[("event:ev-1", seq, {"kind": "send", "n": seq}) for seq in range(count)],
            now=NOW,
            owner="worker",
            lease_until=NOW,
        )


async def test_several_rows_inserted_and_returned_in_one_statement_on_the_driver(
    store: Store, through_sqlalchemy: list[str]
) -> None:
    ids = await _enqueue(store, 3)
    assert through_sqlalchemy == []
    async with store.engine.connect() as connection:
        rows = await connection.execute(select(OUTBOUND.c.seq, OUTBOUND.c.id, OUTBOUND.c.intent))
        stored = {seq: (row_id, intent) for seq, row_id, intent in rows}
    assert ids == {("event:ev-1", seq): stored[seq][0] for seq in range(3)}
    assert [stored[seq][1]["n"] for seq in range(3)] == [0, 1, 2]


async def test_several_parameter_sets_run_on_the_driver(
    store: Store, through_sqlalchemy: list[str]
) -> None:
    ids = await _enqueue(store, 3)
    first, _, third = (ids[("event:ev-1", seq)] for seq in range(3))
    async with store.transaction() as repo:
        await repo.outbound.delivered([(first, "ref-0"), (third, "ref-2")], NOW)
    assert through_sqlalchemy == []
    async with store.engine.connect() as connection:
        rows = await connection.execute(select(OUTBOUND.c.id, OUTBOUND.c.delivered_ref))
        refs = dict(rows.all())
    assert refs == {first: "ref-0", ids[("event:ev-1", 1)]: None, third: "ref-2"}


_LISTED = prepared(
    select(COMMUNITY.c.id)
    .where(COMMUNITY.c.id.in_(bindparam("b_ids", expanding=True)))
    .where(COMMUNITY.c.platform == bindparam("b_platform"))
    .order_by(COMMUNITY.c.id)
)


async def test_a_list_with_a_parameter_after_it_runs_on_the_driver(
    store: Store, through_sqlalchemy: list[str]
) -> None:
    """SQLAlchemy numbers a list's placeholders after the other parameters; the driver's
    path binds them where the list is."""
    async with store.transaction() as repo:
        await repo.ensure_community("slack:T1", "slack", CommunitySettings(), NOW)
        await repo.ensure_community("console:beta", "console", CommunitySettings(), NOW)
    through_sqlalchemy.clear()
    async with store.transaction() as repo:
        params = {"b_ids": [A, "slack:T1", "console:beta"], "b_platform": "console"}
        found = (await repo._db.execute(_LISTED, params)).scalars().all()
        one = (await repo._db.execute(_LISTED, {"b_ids": [A], "b_platform": "console"})).all()
    assert through_sqlalchemy == []
    assert found == [A, "console:beta"]
    assert one == [(A,)]


async def test_a_connection_killed_in_a_transaction_fails_it_and_the_next_one_works(
    store: Store,
) -> None:
    async def killed_midway() -> None:
        async with store.transaction() as repo:
            await repo.claim_event(A, "ev-killed", NOW)
            victim = (await repo._db.execute(text("SELECT pg_backend_pid()"))).scalar()
            async with store.engine.connect() as other:
                await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": victim})
            await repo.claim_event(A, "ev-after-the-kill", NOW)

    with pytest.raises(exc.DBAPIError) as failed:
        await killed_midway()
    assert failed.value.connection_invalidated
    async with store.transaction() as repo:
        assert await repo.claim_event(A, "ev-killed", NOW)  # the first claim was undone


async def _backend(store: Store) -> int:
    async with store.transaction() as repo:
        return int((await repo._db.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def test_one_connection_is_kept_between_transactions_and_given_back_when_idle(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await _backend(store)
    assert await _backend(store) == first  # kept: no checkout, no check-in
    async with store.transaction() as repo:
        assert await _backend(store) != first  # one open: another takes its own
        await repo.claim_event(A, "ev-while-another-ran", NOW)
    monkeypatch.setattr(pg_transaction, "KEPT_IDLE_S", 0.0)  # every wait is too long
    checked_in: list[object] = []
    event.listen(store.engine.sync_engine.pool, "checkin", lambda *_: checked_in.append(1))
    await _backend(store)
    assert checked_in  # idle too long: back to the pool, which pings it before reuse
