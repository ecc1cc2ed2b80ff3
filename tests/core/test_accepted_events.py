"""Events stored before their acknowledgement and decided after it (Slack's Events API).

Once `accept` returns, the event survives the process: a process stopped before deciding it
leaves it waiting, and a replay (on any replica, once it has waited 10 s) decides it once.
The stored event is the durable part: the decision's commit does not wait for the disk.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.common.context import Context
from bot.contract.events import InboundEvent, MessagePosted
from bot.contract.intents import Intent
from bot.contract.ports import Outbox
from bot.engine import router, runtime
from bot.engine.bootstrap import build_rebound
from bot.store.repo import Repo
from bot.store.statements import ACCEPTED, PROCESSED, REPLY
from tests.store.test_durable_transactions import disk_wait
from tests.support import COMMUNITY, MAYA, RUTH, Harness, harness, shared_content

PLATFORM = "console"
ROUTE = {"channel_id": "support", "thread_ts": "1.0"}
WAITED = timedelta(seconds=10)


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[Harness]:
    async with harness(database_url) as running:
        yield running


def a_reply(
    h: Harness, thread: str, text: str = "Ask them what they would change."
) -> MessagePosted:
    return MessagePosted(
        community_id=COMMUNITY,
        event_id=h.next_event_id(),
        actor=RUTH,
        channel_id="support",
        message_ref=h.next_message_ref(),
        text=text,
        thread_ref=thread,
    )


def routed_to(h: Harness, seen: list[Mapping[str, Any]] | None = None) -> runtime.OutboxAt:
    async def outbox_at(community: str, route: Mapping[str, Any]) -> Outbox | None:
        assert community == COMMUNITY
        if seen is not None:
            seen.append(route)
        return h.outbox

    return outbox_at


async def count(h: Harness, table: Any) -> int:
    async with h.core.store.engine.connect() as db:
        return int((await db.execute(select(func.count()).select_from(table))).scalar_one())


async def accepted(h: Harness, event: InboundEvent) -> InboundEvent:
    kept = await h.core.accept(event, PLATFORM, ROUTE)
    assert kept is not None
    return kept


async def test_an_event_left_undecided_is_decided_once_by_a_replay_after_its_wait(
    h: Harness,
) -> None:
    thread = await h.post(MAYA)
    event = await accepted(h, a_reply(h, thread))
    routes: list[Mapping[str, Any]] = []

    assert await h.core.replay_accepted(PLATFORM, routed_to(h, routes)) == 0  # not waited yet
    assert await count(h, REPLY) == 0

    h.clock.advance(WAITED)
    assert await h.core.replay_accepted(PLATFORM, routed_to(h, routes)) == 1
    assert await count(h, REPLY) == 1
    assert await count(h, ACCEPTED) == 0
    assert routes == [ROUTE]  # answered where the adapter said, as it said it

    h.clock.advance(WAITED)
    assert await h.core.replay_accepted(PLATFORM, routed_to(h)) == 0
    assert await h.core.replay_accepted("slack", routed_to(h)) == 0
    assert await count(h, REPLY) == 1
    async with h.core.store.engine.connect() as db:
        decided = (await db.execute(select(PROCESSED.c.event_id))).scalars().all()
    assert event.event_id in decided


async def test_a_redelivery_while_the_event_waits_is_not_kept_twice(h: Harness) -> None:
    thread = await h.post(MAYA)
    event = a_reply(h, thread)
    assert await h.core.accept(event, PLATFORM, ROUTE) is not None
    assert await h.core.accept(event, PLATFORM, ROUTE) is None
    assert await count(h, ACCEPTED) == 1


async def test_two_decisions_of_one_accepted_event_record_it_once(h: Harness) -> None:
    """The first decision and a replay (another replica's) at once: one applies the event,
    the other is a redelivery with nothing new to deliver."""
    thread = await h.post(MAYA)
    h.outbox.clear()
    event = await accepted(h, a_reply(h, thread))
    capabilities = h.outbox.capabilities
    both = await asyncio.gather(
        h.core.decide_accepted(event, capabilities), h.core.decide_accepted(event, capabilities)
    )
    assert await count(h, REPLY) == 1
    assert await count(h, ACCEPTED) == 0
    first, second = sorted(both, key=len, reverse=True)
    assert [p.intent for p in second if p.row_id is None] == []  # no notice said twice
    assert {p.row_id for p in second} <= {p.row_id for p in first}


async def test_a_decision_that_keeps_failing_is_tried_three_times_then_the_member_told(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    thread = await h.post(MAYA)
    h.outbox.clear()
    words = "Ask them what they would change next time."
    await accepted(h, a_reply(h, thread, words))

    async def broken(*_args: object) -> list[object]:
        raise RuntimeError("the decision failed")

    monkeypatch.setattr(runtime, "route", broken)
    for _try in range(2):
        h.clock.advance(WAITED)
        assert await h.core.replay_accepted(PLATFORM, routed_to(h)) == 1
        assert h.outbox.notices_to(RUTH) == []
        assert await count(h, ACCEPTED) == 1  # still waiting for a decision

    h.clock.advance(WAITED)
    assert await h.core.replay_accepted(PLATFORM, routed_to(h)) == 1
    told = h.outbox.notices_to(RUTH)
    assert len(told) == 1
    assert words in told[0].message.text  # their words come back to them
    assert await count(h, ACCEPTED) == 0
    assert await count(h, REPLY) == 0


async def test_the_stored_event_waits_for_the_disk_and_its_decision_does_not(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    thread = await h.post(MAYA)
    durable: list[bool] = []
    original = h.core.store.transaction

    @asynccontextmanager
    async def noted(*, durable_: bool = True, **_: Any) -> AsyncIterator[Repo]:
        durable.append(durable_)
        async with original(durable=durable_) as repo:
            yield repo

    def transaction(*, durable: bool = True) -> Any:
        return noted(durable_=durable)

    monkeypatch.setattr(h.core.store, "transaction", transaction)
    event = await accepted(h, a_reply(h, thread))
    assert durable == [True]
    monkeypatch.undo()
    # The decision's transaction begins with the event's claim: asked inside it.
    waits: list[str] = []
    route = router.route

    async def noting(ctx: Context, decided: InboundEvent) -> list[Intent]:
        waits.append(await disk_wait(ctx.repo))
        return await route(ctx, decided)

    monkeypatch.setattr(runtime, "route", noting)
    await h.core.decide_accepted(event, h.outbox.capabilities)
    assert waits == ["normal" if h.core.store.engine.dialect.name == "sqlite" else "off"]
    assert await count(h, REPLY) == 1


async def test_replicas_replaying_at_once_decide_each_waiting_event_once(
    h: Harness, database_url: str
) -> None:
    thread = await h.post(MAYA)
    other = await build_rebound(
        database_url, h.clock, content=shared_content(), worker="other-replica"
    )
    try:
        waiting = 30
        for _n in range(waiting):
            await accepted(h, a_reply(h, thread))
        h.clock.advance(WAITED)
        replays: list[Callable[[], Any]] = [
            lambda: h.core.replay_accepted(PLATFORM, routed_to(h)),
            lambda: other.replay_accepted(PLATFORM, routed_to(h)),
        ]
        taken = await asyncio.gather(*(replay() for replay in replays))
        assert sum(taken) == waiting  # no event taken by both
        assert await count(h, REPLY) == waiting
        assert await count(h, ACCEPTED) == 0
    finally:
        await other.close()
