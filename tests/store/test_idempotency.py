"""A redelivered event, in a row or all at once, is applied once and answered once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from sqlalchemy import ColumnElement, Table, func, select

from bot.contract.actions import FormKind, Verb, action_id, form_id
from bot.contract.events import (
    ButtonPressed,
    CommandInvoked,
    FormSubmitted,
    InboundEvent,
    MessageActionInvoked,
    MessagePosted,
)
from bot.contract.intents import (
    DirectTo,
    EditMessage,
    Intent,
    Notice,
    OpenForm,
    Send,
    StartThread,
)
from bot.contract.ports import Attempt, Capabilities, Delivered, DeliveryFailed
from bot.store.statements import APPRECIATION, PROCESSED, REPLY, SETBACK
from tests.support import COMMUNITY, JO, MAYA, RUTH, SAM, Harness, RecordingOutbox, harness

COPIES = 4


@pytest.fixture(params=["in_a_row", "concurrently"])
def concurrently(request: pytest.FixtureRequest) -> bool:
    return bool(request.param == "concurrently")


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[Harness]:
    async with harness(database_url) as h:
        yield h


async def deliver(h: Harness, event: InboundEvent, copies: int, concurrently: bool) -> list[Intent]:
    """Hand the identical event to the core `copies` times; what all deliveries sent."""
    before = len(h.outbox.sent)
    results: list[list[Intent]]
    if concurrently:
        results = await asyncio.gather(*(h.core.handle(event, h.outbox) for _ in range(copies)))
    else:
        results = [await h.core.handle(event, h.outbox) for _ in range(copies)]
    # At most one delivery did the work; every other one was a no-op.
    assert sum(1 for intents in results if intents) <= 1
    sent: list[Intent] = h.outbox.sent[before:]
    return sent


async def count(h: Harness, table: Table, *conditions: ColumnElement[bool]) -> int:
    """Rows of `table` matching `conditions`, read straight from the database."""
    statement = select(func.count()).select_from(table).where(*conditions)
    async with h.core.store.engine.connect() as connection:
        return int((await connection.execute(statement)).scalar_one())


def base(event_id: str, actor: object) -> dict[str, object]:
    return {"community_id": COMMUNITY, "event_id": event_id, "actor": actor}


async def test_thread_reply_is_recorded_once(h: Harness, concurrently: bool) -> None:
    thread = await h.post(MAYA)
    event = MessagePosted(
        community_id=COMMUNITY,
        event_id="ev-reply",
        actor=JO,
        channel_id="support",
        message_ref="M-jo",
        text="Same happened to me; ask them for feedback.",
        thread_ref=thread,
    )

    sent = await deliver(h, event, COPIES, concurrently)

    assert sent == []
    async with h.core.store.transaction() as repo:
        post = await repo.post_by_thread(COMMUNITY, thread)
        assert post is not None
        replies = await repo.replies(COMMUNITY, post.id)
    assert [(r.author_id, r.message_ref) for r in replies] == [(JO.user_id, "M-jo")]
    assert await count(h, PROCESSED, PROCESSED.c.event_id == "ev-reply") == 1


async def test_form_submission_creates_one_post(h: Harness, concurrently: bool) -> None:
    event = FormSubmitted(
        community_id=COMMUNITY,
        event_id="ev-form",
        actor=MAYA,
        form_id=form_id(FormKind.SETBACK),
        values={"title": "Panel went quiet", "body": "They stopped replying after the panel."},
    )

    sent = await deliver(h, event, COPIES, concurrently)

    assert await count(h, SETBACK) == 1
    assert len([i for i in sent if isinstance(i, StartThread)]) == 1
    assert len(h.outbox.notices_to(MAYA)) == 1
    assert len(sent) == 2
    async with h.core.store.transaction() as repo:
        posts = await repo.posts_by_id(COMMUNITY, [1])
    assert [p.title for p in posts.values()] == ["Panel went quiet"]
    # The one thread started is the post's thread.
    assert posts[1].thread_ref is not None


async def test_mark_best_is_applied_once(h: Harness, concurrently: bool) -> None:
    thread = await h.post(MAYA)
    ref = await h.reply(JO, thread, "Write down what you'd say next time.")
    h.outbox.clear()
    event = MessageActionInvoked(
        community_id=COMMUNITY,
        event_id="ev-mark",
        actor=MAYA,
        action="mark_best",
        message_ref=ref,
    )

    sent = await deliver(h, event, COPIES, concurrently)

    async with h.core.store.transaction() as repo:
        reply = await repo.reply_by_ref(COMMUNITY, ref)
    assert reply is not None
    assert reply.is_best
    told = [
        i
        for i in sent
        if isinstance(i, Send) and isinstance(i.target, DirectTo) and i.target.user_id == JO.user_id
    ]
    assert len(told) == 1
    assert len(h.outbox.notices_to(MAYA)) == 1
    assert len([i for i in sent if isinstance(i, EditMessage)]) == 1
    # Nothing sent twice, in any form.
    assert len(sent) == len({repr(i) for i in sent})


async def test_button_press_is_applied_once(h: Harness, concurrently: bool) -> None:
    thread = await h.post(MAYA)
    ref = await h.reply(JO, thread, "You'll get the next one.")
    async with h.core.store.transaction() as repo:
        reply = await repo.reply_by_ref(COMMUNITY, ref)
    assert reply is not None
    h.outbox.clear()
    event = ButtonPressed(
        community_id=COMMUNITY,
        event_id="ev-press",
        actor=RUTH,
        action_id=action_id(Verb.APPRECIATE, reply.id),
    )

    sent = await deliver(h, event, COPIES, concurrently)

    assert await count(h, APPRECIATION, APPRECIATION.c.reply_id == reply.id) == 1
    async with h.core.store.transaction() as repo:
        again = await repo.reply(COMMUNITY, reply.id)
    assert again is not None
    assert again.appreciations == 1
    # One thank-you notice, and no "you already appreciated this" refusal after it.
    assert sent == h.outbox.notices_to(RUTH)
    assert len(sent) == 1


async def test_refused_event_is_explained_once(h: Harness, concurrently: bool) -> None:
    thread = await h.post(MAYA)
    ref = await h.reply(RUTH, thread, "Ask for feedback.")
    h.outbox.clear()
    # Jo is neither the poster nor a moderator, so may not mark a best answer.
    event = MessageActionInvoked(
        community_id=COMMUNITY,
        event_id="ev-refused",
        actor=JO,
        action="mark_best",
        message_ref=ref,
    )

    sent = await deliver(h, event, 2, concurrently)

    assert len(sent) == 1
    (notice,) = sent
    assert isinstance(notice, Notice)
    assert notice.user_id == JO.user_id
    async with h.core.store.transaction() as repo:
        reply = await repo.reply_by_ref(COMMUNITY, ref)
    assert reply is not None
    assert not reply.is_best
    assert await count(h, PROCESSED, PROCESSED.c.event_id == "ev-refused") == 1

    # A later, different refusal is still explained: only the redelivery was dropped.
    again = MessageActionInvoked(
        community_id=COMMUNITY,
        event_id="ev-refused-2",
        actor=JO,
        action="mark_best",
        message_ref=ref,
    )
    assert len(await deliver(h, again, COPIES, concurrently)) == 1


async def test_distinct_events_are_not_mistaken_for_redeliveries(h: Harness) -> None:
    """The dedupe key is the event id: two different replies both count."""
    thread = await h.post(MAYA)
    await h.reply(JO, thread, "one")
    await h.reply(SAM, thread, "two")

    assert await count(h, REPLY) == 2


async def test_redelivery_after_a_failed_delivery_still_starts_the_thread(h: Harness) -> None:
    class FailsFirstThread:
        def __init__(self) -> None:
            self.inner = RecordingOutbox()
            self.capabilities = Capabilities(tags=True)
            self.failed = False

        async def deliver(self, intent: Intent, attempt: Attempt | None = None) -> Delivered | None:
            if isinstance(intent, StartThread) and not self.failed:
                self.failed = True
                raise DeliveryFailed("platform said no")
            return await self.inner.deliver(intent, attempt)

    outbox = FailsFirstThread()
    event = FormSubmitted(
        community_id=COMMUNITY,
        event_id="ev-form",
        actor=MAYA,
        form_id=form_id(FormKind.SETBACK),
        values={"title": "Panel went quiet", "body": "They stopped replying."},
    )
    assert await h.core.handle(event, outbox) == []
    assert outbox.inner.of(StartThread) == []

    # The platform retries the event; the stored intents go out this time.
    await h.core.handle(event, outbox)

    assert len(outbox.inner.of(StartThread)) == 1
    assert await count(h, SETBACK) == 1
    async with h.core.store.transaction() as repo:
        posts = await repo.posts_by_id(COMMUNITY, [1])
    assert posts[1].thread_ref is not None


async def test_the_same_message_under_another_event_id_is_recorded_once(h: Harness) -> None:
    """Slack can deliver one message as `message` and as `app_mention`, with two event ids."""
    thread = await h.post(MAYA)
    event = MessagePosted(
        community_id=COMMUNITY,
        event_id="ev-a",
        actor=JO,
        channel_id="support",
        message_ref="m-same",
        text="Same words",
        thread_ref=thread,
    )
    await h.core.handle(event, h.outbox)
    await h.core.handle(replace(event, event_id="ev-b"), h.outbox)
    assert await count(h, REPLY) == 1


async def test_a_command_answered_with_a_form_alone_is_decided_again_and_keeps_nothing(
    sqlite_url: str,
) -> None:
    """Opening a form changes nothing: on a SQLite file its claim is not kept, so a copy
    of the event is answered with the form again (on a platform, through the gesture's
    single-use answer, which cannot open it twice). What the form's submission stores is
    applied once."""
    async with harness(sqlite_url) as h:
        command = CommandInvoked(
            community_id=COMMUNITY, event_id="ev-open", actor=MAYA, command="setback"
        )
        answers = [await h.send(command) for _ in range(2)]
        forms = [[i for i in intents if isinstance(i, OpenForm)] for intents in answers]
        assert [len(opened) for opened in forms] == [1, 1]
        assert forms[0][0].form.form_id == forms[1][0].form.form_id
        assert await count(h, PROCESSED) == 0

        submitted = FormSubmitted(
            community_id=COMMUNITY,
            event_id="ev-submit",
            actor=MAYA,
            form_id=forms[0][0].form.form_id,
            values={"title": "Froze in the screening call", "body": "It went badly."},
        )
        sent = await deliver(h, submitted, COPIES, concurrently=False)
        assert sum(isinstance(intent, StartThread) for intent in sent) == 1
        assert await count(h, PROCESSED, PROCESSED.c.event_id == "ev-submit") == 1
        assert await count(h, SETBACK) == 1
