"""Private messages a platform would not take are handed over once, another way."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.contract.intents import DirectTo, Message, Send
from bot.engine.held_messages import hand_over_direct_messages, take_direct_messages
from tests.core.test_delivery import DMsClosedFor
from tests.support import COMMUNITY, MAYA, RUTH, Harness, harness, words

# Maya's outcome ask, as the core renders it (a held message keeps its words, not its key).
ASK = words("outcome.ask", title="Froze in the screening call", days=2)


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[Harness]:
    async with harness(database_url) as running:
        yield running


async def test_a_refused_ask_is_taken_once_then_never_sent_again(h: Harness) -> None:
    await h.post(MAYA, ask_outcome_on="2d")
    await h.post(RUTH, ask_outcome_on="2d")
    closed = DMsClosedFor(MAYA.user_id)
    h.clock.advance(timedelta(days=2))
    await h.core.tick(lambda _c: closed, frozenset({"console"}))
    assert closed.refused == 1

    taken = await take_direct_messages(h.core.store, h.clock, COMMUNITY, MAYA.user_id)

    assert len(taken) == 1 and taken[0].buttons  # the ask, with its buttons
    assert taken[0].text == ASK
    assert await take_direct_messages(h.core.store, h.clock, COMMUNITY, MAYA.user_id) == []
    h.clock.advance(timedelta(days=2))
    await h.core.tick(lambda _c: closed, frozenset({"console"}))
    assert closed.refused == 1  # no retry of what was handed over


async def test_only_the_members_own_and_only_undelivered(h: Harness) -> None:
    await h.post(RUTH, ask_outcome_on="2d")
    h.clock.advance(timedelta(days=2))
    await h.wait(timedelta(0))  # Ruth's ask is delivered normally
    assert any(s.target == DirectTo(user_id=RUTH.user_id) for s in h.outbox.of(Send))

    assert await take_direct_messages(h.core.store, h.clock, COMMUNITY, RUTH.user_id) == []
    assert await take_direct_messages(h.core.store, h.clock, COMMUNITY, MAYA.user_id) == []


async def test_what_could_not_be_shown_is_given_back(h: Harness) -> None:
    await h.post(MAYA, ask_outcome_on="2d")
    closed = DMsClosedFor(MAYA.user_id)
    h.clock.advance(timedelta(days=2))
    await h.core.tick(lambda _c: closed, frozenset({"console"}))

    async def refuse(_message: Message) -> None:
        raise ConnectionError("the platform said no")

    with pytest.raises(ConnectionError):
        await hand_over_direct_messages(h.core.store, h.clock, COMMUNITY, MAYA.user_id, refuse)

    shown: list[Message] = []

    async def show(message: Message) -> None:
        shown.append(message)

    await hand_over_direct_messages(h.core.store, h.clock, COMMUNITY, MAYA.user_id, show)
    assert [message.text for message in shown] == [ASK]
    assert await take_direct_messages(h.core.store, h.clock, COMMUNITY, MAYA.user_id) == []
