"""Delivery through the outbox: one member's failing DMs never hold up anyone else's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.contract.events import CommandInvoked, FormSubmitted
from bot.contract.intents import DirectTo, Intent, Notice, Send, StartThread, Thread
from bot.contract.ports import Attempt, Capabilities, Delivered, DeliveryFailed
from bot.store.repo import OutboxState
from bot.store.statements import OUTBOUND
from tests.support import COMMUNITY, MAYA, RUTH, Harness, RecordingOutbox, form_in, harness


@dataclass
class DMsClosedFor:
    """A platform on which one member has closed their DMs."""

    user_id: str
    inner: RecordingOutbox = field(default_factory=RecordingOutbox)
    refused: int = 0
    capabilities: Capabilities = field(default_factory=lambda: Capabilities(tags=True))

    async def deliver(self, intent: Intent, attempt: Attempt | None = None) -> Delivered | None:
        if isinstance(intent, Send) and intent.target == DirectTo(user_id=self.user_id):
            self.refused += 1
            raise DeliveryFailed("cannot send messages to this user")
        return await self.inner.deliver(intent, attempt)


@pytest.fixture
async def h(sqlite_url: str) -> AsyncIterator[Harness]:
    async with harness(sqlite_url) as running:
        yield running


async def _waiting(h: Harness) -> int:
    async with h.core.store.engine.connect() as connection:
        query = select(func.count()).where(
            OUTBOUND.c.delivered_at.is_(None), OUTBOUND.c.gave_up_at.is_(None)
        )
        return int((await connection.execute(query)).scalar_one())


async def test_a_refused_dm_is_retried_without_holding_up_others_then_given_up(
    h: Harness,
) -> None:
    await h.post(MAYA, ask_outcome_on="2d")
    await h.post(RUTH, ask_outcome_on="2d")
    outbox = DMsClosedFor(MAYA.user_id)
    h.outbox = outbox.inner
    h.clock.advance(timedelta(days=2))
    await h.core.tick(lambda _c: outbox, frozenset({"console"}))

    dms = [s.target for s in outbox.inner.of(Send) if isinstance(s.target, DirectTo)]
    assert dms == [DirectTo(user_id=RUTH.user_id)]
    assert await _waiting(h) == 1

    # Tried at 0 h, 7 h, 14 h, 21 h and 28 h: a day after the first failure it is given up.
    for _ in range(6):
        h.clock.advance(timedelta(hours=7))
        await h.core.tick(lambda _c: outbox, frozenset({"console"}))
    assert outbox.refused == 5
    assert await _waiting(h) == 0
    async with h.core.store.transaction() as repo:
        counts = await repo.outbound.counts()
        (given_up,) = await repo.outbound.given_up()
    assert counts[OutboxState.GIVEN_UP] == 1
    assert given_up.last_error == "cannot send messages to this user"


@dataclass
class Broken:
    """An adapter with a bug: raising something other than DeliveryFailed, `times` times."""

    kind: type
    times: int
    inner: RecordingOutbox = field(default_factory=RecordingOutbox)
    capabilities: Capabilities = field(default_factory=lambda: Capabilities(tags=True))

    async def deliver(self, intent: Intent, attempt: Attempt | None = None) -> Delivered | None:
        if isinstance(intent, self.kind) and self.times > 0:
            self.times -= 1
            raise KeyError("a bug in the adapter")
        return await self.inner.deliver(intent, attempt)


async def test_an_adapter_bug_neither_loses_nor_repeats_what_was_sent(h: Harness) -> None:
    outbox = Broken(Notice, times=1)
    h.outbox = outbox.inner
    form = form_in(await h.core.handle(*_command(h), outbox))
    await h.core.handle(_submit(h, form.form_id), outbox)  # the thread starts; the ack fails
    (start,) = outbox.inner.of(StartThread)
    async with h.core.store.transaction() as repo:
        post = await repo.post(COMMUNITY, 1)
    assert post is not None
    assert post.thread_ref == outbox.inner.ref_of(start)
    h.clock.advance(timedelta(hours=1))
    await h.core.tick(lambda _c: outbox, frozenset({"console"}))
    assert len(outbox.inner.of(StartThread)) == 1


async def test_a_retry_keeps_each_sources_order_across_batches(h: Harness) -> None:
    """Closing sends a note, refreshes the status, then closes: never the close first."""
    threads = [await h.post(MAYA, title=f"Post {n}", ask_outcome_on="60d") for n in range(3)]
    outbox = ThreadsDown()
    h.outbox = outbox.inner
    h.core.scheduler.batch = 2
    h.clock.advance(timedelta(days=31))
    for _ in range(12):  # retries come and fail while thread posts are down
        await h.core.tick(lambda _c: outbox, frozenset({"console"}))
        h.clock.advance(timedelta(minutes=3))
    outbox.down = False
    for _ in range(40):
        h.clock.advance(timedelta(minutes=10))
        await h.core.tick(lambda _c: outbox, frozenset({"console"}))
    for thread in threads:
        kinds = [
            type(i).__name__
            for i in outbox.inner.sent
            if getattr(i, "thread_ref", None) == thread
            or getattr(getattr(i, "target", None), "thread_ref", None) == thread
        ]
        assert kinds == ["Send", "SetThreadTags", "CloseThread"], kinds


@dataclass
class ThreadsDown:
    """A platform whose thread posts fail until `down` is cleared."""

    down: bool = True
    inner: RecordingOutbox = field(default_factory=RecordingOutbox)
    capabilities: Capabilities = field(default_factory=lambda: Capabilities(tags=True))

    async def deliver(self, intent: Intent, attempt: Attempt | None = None) -> Delivered | None:
        if self.down and isinstance(intent, Send) and isinstance(intent.target, Thread):
            raise DeliveryFailed("service unavailable")
        return await self.inner.deliver(intent, attempt)


def _command(h: Harness) -> tuple[CommandInvoked]:
    return (CommandInvoked(community_id=COMMUNITY, event_id="c", actor=MAYA, command="setback"),)


def _submit(h: Harness, form_id: str) -> FormSubmitted:
    values = {"title": "A title", "body": "A story"}
    return FormSubmitted(
        community_id=COMMUNITY, event_id="f", actor=MAYA, form_id=form_id, values=values
    )
