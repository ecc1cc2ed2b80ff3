"""Transactions that begin with a statement: an event's claim (`Store.claiming`) and a
send's delivery records (`Store.recording`). On asyncpg the statement is literal SQL sent
with the BEGIN (bot/store/begin_with.py), so it must store exactly what parameters would."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import event, exc, func, select, text

from bot.domain.model import CommunitySettings
from bot.store.repo import Store
from bot.store.statements import ACCEPTED, OUTBOUND, PROCESSED
from tests.store.test_asyncpg_path import simple_queries  # noqa: F401  (a fixture)
from tests.store.test_prepared import A, store_with_a_community

NOW = datetime(2026, 3, 2, 9, 0, 0, 123456, tzinfo=UTC)
# Quotes, backslashes, a dollar quote, a comment, a statement's end and words of any script.
AWKWARD = "ev-'quoted' \\x27 $$ $q$ -- ; DROP TABLE community; 'é 東京 🙂"


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    async with store_with_a_community(database_url) as store:
        yield store


async def _claim(store: Store, event_id: str, now: datetime = NOW) -> bool:
    async with store.claiming(A, event_id, now) as (_, claimed):
        return claimed


async def _processed(store: Store) -> list[tuple[str, str, datetime]]:
    async with store.engine.connect() as connection:
        rows = await connection.execute(select(PROCESSED))
        return sorted((row.community_id, row.event_id, row.received_at) for row in rows)


async def test_an_event_is_claimed_once_with_its_id_and_time_as_given(store: Store) -> None:
    local = NOW.astimezone(timezone(timedelta(hours=-5)))
    assert await _claim(store, AWKWARD, local) is True
    assert await _claim(store, AWKWARD) is False  # a redelivery
    assert await _claim(store, "ev-2") is True
    assert await _processed(store) == sorted([(A, "ev-2", NOW), (A, AWKWARD, NOW)])


async def test_a_redelivery_claims_nothing_and_the_transaction_goes_on(store: Store) -> None:
    await _claim(store, "ev-1")
    async with store.claiming(A, "ev-1", NOW) as (repo, claimed):
        assert claimed is False
        await repo.ensure_community("console:other", "console", CommunitySettings(), NOW)
    async with store.transaction() as repo:
        assert await repo.community("console:other") is not None


async def test_an_accepted_event_stops_waiting_as_it_is_claimed(store: Store) -> None:
    for event_id in (AWKWARD, "ev-other"):
        async with store.transaction() as repo:
            kept = await repo.accepted.accept(
                A, event_id, platform="console", event={}, route={}, now=NOW
            )
            assert kept
    async with store.claiming(A, AWKWARD, NOW, durable=False, accepted=True) as (_, claimed):
        assert claimed is True
    async with store.engine.connect() as connection:
        waiting = (await connection.execute(select(ACCEPTED.c.event_id))).scalars().all()
    assert waiting == ["ev-other"]


@pytest.mark.postgres
async def test_a_claim_that_fails_undoes_the_transaction_and_the_store_goes_on(
    postgres_url: str,
) -> None:
    """An id longer than the column takes (SQLite does not check lengths)."""
    too_long = "x" * (PROCESSED.c.event_id.type.length + 1)  # type: ignore[attr-defined]
    async with store_with_a_community(postgres_url) as store:
        for attempt in range(2):  # twice: the kept connection is as it was
            with pytest.raises(exc.DBAPIError):
                async with store.claiming(A, too_long, NOW, durable=False):
                    pytest.fail("the transaction went on")
            assert await _claim(store, "ev-after") is (attempt == 0)
            async with store.transaction() as repo:
                assert (await repo._db.execute(text("SHOW synchronous_commit"))).scalar() == "on"
        async with store.engine.connect() as connection:
            count = select(func.count()).select_from(PROCESSED)
            assert (await connection.execute(count)).scalar() == 1


@pytest.mark.postgres
@pytest.mark.parametrize("durable", [True, False])
async def test_on_asyncpg_the_claim_goes_with_the_begin(
    postgres_url: str,
    simple_queries: list[str],  # noqa: F811
    durable: bool,
) -> None:
    async with store_with_a_community(postgres_url) as store:
        simple_queries.clear()
        async with store.claiming(A, "ev-1", NOW, durable=durable) as (_, claimed):
            assert claimed is True
    begin = "BEGIN" if durable else "BEGIN; SET LOCAL synchronous_commit TO OFF"
    assert [query.split("; INSERT")[0] for query in simple_queries] == [begin, "COMMIT"]
    assert "INSERT INTO processed_event" in simple_queries[0]


async def _outbound(store: Store, count: int) -> list[int]:
    async with store.transaction() as repo:
        ids = await repo.outbound.enqueue(
            community_id=A,
            platform="console",
            rows=[("event:ev-1", seq, {"kind": "send"}) for seq in range(count)],
            now=NOW,
            owner="worker",
            lease_until=NOW + timedelta(minutes=2),
        )
    return [ids[("event:ev-1", seq)] for seq in range(count)]


async def _records(store: Store) -> dict[int, tuple[Any, ...]]:
    columns = (
        OUTBOUND.c.id,
        OUTBOUND.c.delivered_at,
        OUTBOUND.c.delivered_ref,
        OUTBOUND.c.lease_until,
        OUTBOUND.c.attempted_at,
    )
    async with store.engine.connect() as connection:
        return {row[0]: tuple(row[1:]) for row in await connection.execute(select(*columns))}


async def test_deliveries_are_recorded_first_with_their_refs(store: Store) -> None:
    first, second, third, untouched = await _outbound(store, 4)
    async with store.recording([(first, "m-1")], NOW) as repo:
        assert await repo.community(A) is not None  # the transaction goes on
    later = NOW + timedelta(minutes=1)
    async with store.recording([(second, AWKWARD), (third, None), (first, "m-again")], later):
        pass
    records = await _records(store)
    assert records[first] == (NOW, "m-1", None, None)  # recorded once: the first stays
    assert records[second] == (later, AWKWARD, None, None)
    assert records[third] == (later, None, None, None)
    assert records[untouched][0] is None
    async with store.recording([], later, durable=False) as repo:  # nothing to record
        assert await repo.community(A) is not None


@pytest.mark.postgres
async def test_on_asyncpg_the_records_go_with_the_begin(
    postgres_url: str,
    simple_queries: list[str],  # noqa: F811
) -> None:
    async with store_with_a_community(postgres_url) as store:
        (row_id,) = await _outbound(store, 1)
        simple_queries.clear()
        async with store.recording([(row_id, "m-1")], NOW, durable=False):
            pass
        sent = list(simple_queries)
        assert (await _records(store))[row_id][:2] == (NOW, "m-1")
    assert len(sent) == 2 and sent[1] == "COMMIT"
    assert sent[0].startswith("BEGIN; SET LOCAL synchronous_commit TO OFF; UPDATE outbound")


async def test_a_claim_left_alone_by_a_decision_that_may_be_made_again_is_not_kept(
    sqlite_url: str,
) -> None:
    """On a SQLite file, a decision marked `claim_optional` that changed nothing else ends
    without a commit (nothing to keep, no wait for the disk); one that changed something,
    or that is not marked, keeps its claim."""
    async with store_with_a_community(sqlite_url) as store:
        ends: list[str] = []
        event.listen(store.sync_engine, "commit", lambda _: ends.append("commit"))
        event.listen(store.sync_engine, "rollback", lambda _: ends.append("rollback"))

        async with store.claiming(A, "ev-form", NOW) as (repo, claimed):
            assert claimed is True
            repo.claim_optional = True
            assert await repo.community(A) is not None  # reading changes nothing
        assert ends == ["rollback"]
        assert await _processed(store) == []

        async with store.claiming(A, "ev-change", NOW) as (repo, _):
            repo.claim_optional = True
            await repo.ensure_community("console:other", "console", CommunitySettings(), NOW)
        async with store.claiming(A, "ev-plain", NOW) as (repo, _):
            assert await repo.community(A) is not None
        assert ends[1:] == ["commit", "commit"]
        assert await _processed(store) == [(A, "ev-change", NOW), (A, "ev-plain", NOW)]
        async with store.transaction() as repo:
            assert await repo.community("console:other") is not None
        assert await _claim(store, "ev-form") is True  # delivered again: decided again
