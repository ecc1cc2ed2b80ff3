"""On PostgreSQL, two transactions at once: a reply against the recording of its thread, and
a deletion against the recording of the reply it deletes. Each time one side holds its
transaction open mid-way while the other runs through the real core; whichever order they
commit in, nothing is lost and nothing deleted comes back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import text

from bot.common.context import Context
from bot.contract.events import FormSubmitted, MessageDeleted, MessagePosted
from bot.contract.intents import OpenForm
from bot.features.answers import replies as answers
from bot.features.posting import posts as posting
from tests.support import COMMUNITY, JO, MAYA, Harness, harness

pytestmark = pytest.mark.postgres

# Sessions of this test's own database waiting on a lock (other tests share the server).
_WAITING_ON_A_LOCK = text(
    "SELECT count(*) FROM pg_stat_activity"
    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
)


@pytest.fixture
async def h(postgres_url: str) -> AsyncIterator[Harness]:
    async with harness(postgres_url) as running:
        yield running


@asynccontextmanager
async def _held_open(h: Harness) -> AsyncIterator[Context]:
    """A transaction of the core's own, kept open until the block ends (then committed)."""
    async with h.core.store.transaction() as repo:
        yield await h.core.context(repo, COMMUNITY, h.clock.now())


async def _until_blocked_or_done(h: Harness, task: asyncio.Task[Any]) -> None:
    """Until `task` waits on a lock the open transaction holds, or has finished."""
    for _ in range(1000):
        if task.done():
            return
        async with h.core.store.engine.connect() as db:
            waiting = await db.execute(_WAITING_ON_A_LOCK)
            if waiting.scalar_one():
                return
        await asyncio.sleep(0.01)
    raise AssertionError("the other transaction neither finished nor waited")


async def _decided_post(h: Harness) -> int:
    """A post stored by its form, its thread not recorded yet; its id."""
    form = next(i for i in await h.command(MAYA) if isinstance(i, OpenForm)).form
    event = FormSubmitted(
        **h._base(MAYA), form_id=form.form_id, values={"title": "Froze", "body": "Badly."}
    )
    await h.core.decide(event, h.outbox.capabilities)
    async with h.core.store.engine.connect() as db:
        return int((await db.execute(text("SELECT max(id) FROM setback"))).scalar_one())


async def test_a_reply_while_its_thread_is_being_recorded_is_kept(h: Harness) -> None:
    post_id = await _decided_post(h)
    reply = MessagePosted(
        **h._base(JO), channel_id="support", message_ref="m-1", text="First!", thread_ref="t-1"
    )
    async with _held_open(h) as ctx:
        await posting.on_thread_started(ctx, post_id, "t-1", "t-1")  # replays nothing yet
        arriving = asyncio.create_task(h.send(reply))
        await _until_blocked_or_done(h, arriving)
    await arriving

    async with h.core.store.transaction() as repo:
        replies = await repo.replies(COMMUNITY, post_id)
    async with h.core.store.engine.connect() as db:
        parked = (await db.execute(text("SELECT count(*) FROM parked_event"))).scalar_one()
    assert [r.text for r in replies] == ["First!"] and parked == 0


async def test_a_deletion_while_its_reply_is_being_recorded_deletes_it(h: Harness) -> None:
    thread = await h.post(MAYA)
    reply = MessagePosted(
        **h._base(JO), channel_id="support", message_ref="m-2", text="Taken back", thread_ref=thread
    )
    deletion = MessageDeleted(**h._base(JO), message_ref="m-2", thread_ref=thread)
    async with _held_open(h) as ctx:
        post = await ctx.repo.post_by_thread(COMMUNITY, thread)  # as the router does
        assert post is not None
        await answers.record_reply(ctx, post, reply)
        deleting = asyncio.create_task(h.send(deletion))
        await _until_blocked_or_done(h, deleting)
    await deleting

    async with h.core.store.transaction() as repo:
        found = await repo.reply_by_ref(COMMUNITY, "m-2")
    assert found is not None and found.deleted and found.text == ""
