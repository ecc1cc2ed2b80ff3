"""The outbox port reports what the platform made, and refuses what it cannot carry."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from bot.contract.intents import CloseThread, DirectTo, Intent, Send, StartThread
from bot.contract.ports import Attempt, Capabilities, Delivered, Unsupported
from bot.engine.degrading import lower
from tests.support import COMMUNITY, JO, MAYA, Harness, RecordingOutbox, harness, replies_in


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[Harness]:
    async with harness(database_url) as running:
        yield running


@dataclass
class OwnThreadIds(RecordingOutbox):
    """A platform whose threads have ids of their own, apart from their root message's."""

    threads: dict[str, str] = field(default_factory=dict)

    async def deliver(self, intent: Intent, attempt: Attempt | None = None) -> Delivered | None:
        made = await super().deliver(intent, attempt)
        if isinstance(intent, StartThread) and made is not None:
            thread = f"thread-of-{made.message_ref}"
            self.threads[thread] = made.message_ref
            return Delivered(made.message_ref, thread_ref=thread)
        return made


async def test_a_thread_with_an_id_of_its_own_is_where_replies_are_found(h: Harness) -> None:
    h.outbox = OwnThreadIds()
    root = await h.post(MAYA)
    thread = next(t for t, r in h.outbox.threads.items() if r == root)

    await h.reply(JO, thread, "Ask them for feedback on the case study.")

    async with h.core.store.transaction() as repo:
        post = await repo.post_by_thread(COMMUNITY, thread)
    assert post is not None
    assert (post.thread_ref, post.status_message_ref) == (thread, root)
    replies = await replies_in(h.core.store, COMMUNITY, thread)
    assert [r.author_id for r in replies] == [JO.user_id]


@dataclass
class NoDirectMessages(RecordingOutbox):
    async def deliver(self, intent: Intent, attempt: Attempt | None = None) -> Delivered | None:
        if isinstance(intent, Send) and isinstance(intent.target, DirectTo):
            raise Unsupported(intent)
        return await super().deliver(intent, attempt)


async def test_an_intent_the_outbox_cannot_carry_is_given_up_at_once_with_its_kind(
    h: Harness,
) -> None:
    await h.post(MAYA, ask_outcome_on="2d")
    h.outbox = NoDirectMessages()

    await h.wait(timedelta(days=2))
    await h.wait(timedelta(days=1))

    async with h.core.store.transaction() as repo:
        given_up = await repo.outbound.given_up()
    assert [row.last_error for row in given_up] == ["unsupported:Send"]
    assert [row.attempts for row in given_up] == [1]


async def test_threads_that_cannot_be_closed_are_not_asked_to_close(h: Harness) -> None:
    ctx_outbox = RecordingOutbox(capabilities=Capabilities(closes_threads=False))
    async with h.core.store.transaction() as repo:
        ctx = await h.core.context(repo, COMMUNITY, h.clock.now())
        lowered = await lower(ctx, [CloseThread(thread_ref="t-1")], ctx_outbox.capabilities)
        kept = await lower(ctx, [CloseThread(thread_ref="t-1")], Capabilities())
    assert lowered == []
    assert kept == [CloseThread(thread_ref="t-1")]
