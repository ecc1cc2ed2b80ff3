"""Delivery through the outbox: one member's failing DMs never hold up anyone else's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.delivery import MAX_ATTEMPTS
from bot.intents import DirectTo, Intent, Send
from bot.ports import Capabilities, DeliveryFailed
from bot.store.statements import OUTBOUND
from tests.support import MAYA, RUTH, Harness, RecordingOutbox, harness


@dataclass
class DMsClosedFor:
    """A platform on which one member has closed their DMs."""

    user_id: str
    inner: RecordingOutbox = field(default_factory=RecordingOutbox)
    refused: int = 0
    capabilities: Capabilities = field(default_factory=lambda: Capabilities(tags=True))

    async def deliver(self, intent: Intent) -> str | None:
        if isinstance(intent, Send) and intent.target == DirectTo(user_id=self.user_id):
            self.refused += 1
            raise DeliveryFailed("cannot send messages to this user")
        ref: str | None = await self.inner.deliver(intent)
        return ref


@pytest.fixture
async def h(sqlite_url: str) -> AsyncIterator[Harness]:
    async with harness(sqlite_url) as running:
        yield running


async def _waiting(h: Harness) -> int:
    async with h.core.store.engine.connect() as connection:
        query = select(func.count()).where(OUTBOUND.c.delivered_at.is_(None))
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

    for _ in range(MAX_ATTEMPTS + 2):
        h.clock.advance(timedelta(hours=7))
        await h.core.tick(lambda _c: outbox, frozenset({"console"}))
    assert outbox.refused == MAX_ATTEMPTS
    assert await _waiting(h) == 0
