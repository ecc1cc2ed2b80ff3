"""Members' edits and deletions of their own messages, through the real core and database:
the post's own message (edited: the post follows; deleted: the post is withdrawn), replies
deleted before they arrive (tombstones), and replies that arrive before their thread is
recorded (parked, then recorded once the thread is)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import text

from bot.contract.events import FormSubmitted, MessageDeleted, MessageEdited, MessagePosted
from bot.contract.intents import CloseThread, EditMessage, Intent, Notice, OpenForm, Send, Thread
from bot.domain.model import FollowUpKind, Member
from bot.engine.delivery import Pending
from bot.engine.held_messages import take_direct_messages
from bot.store.early_repo import KEPT_FOR
from tests.core.test_delivery import DMsClosedFor
from tests.support import COMMUNITY, JO, MAYA, RUTH, SAM, Harness, harness, said, stored_words

OLD_STORY = "Fired from Initech after my manager Bill Lumbergh blamed me. Any advice?"
NEW_STORY = "Let go after a restructure. How do I explain it in interviews?"
NOBODY = Member(user_id="unknown", display_name="")


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[Harness]:
    async with harness(database_url) as running:
        yield running


async def _adopt(h: Harness, story: str = OLD_STORY) -> str:
    """Maya's plain message in the support channel, adopted; its ref (the thread's too)."""
    ref = h.next_message_ref()
    base = h._base(MAYA)
    await h.send(MessagePosted(**base, channel_id="support", message_ref=ref, text=story))
    return ref


async def _edit(h: Harness, who: Member, ref: str, new: str, thread: str | None = None) -> None:
    await h.send(MessageEdited(**h._base(who), message_ref=ref, text=new, thread_ref=thread))


async def _delete(
    h: Harness, ref: str, thread: str | None = None, *, thread_gone: bool = False
) -> None:
    event = MessageDeleted(
        **h._base(NOBODY), message_ref=ref, thread_ref=thread, thread_gone=thread_gone
    )
    await h.send(event)


async def _words_stored(h: Harness) -> str:
    return await stored_words(h.core.store)


async def _pending_follow_ups(h: Harness) -> list[str]:
    async with h.core.store.engine.connect() as db:
        rows = await db.execute(text("SELECT kind FROM follow_up WHERE done_at IS NULL"))
        return sorted(rows.scalars())


def _notice(intents: list[Intent]) -> str | None:
    """The key of the notice among `intents`."""
    return next(i.message.key for i in intents if isinstance(i, Notice))


def _everything_sent(h: Harness) -> str:
    return "\n".join(h.outbox.texts())


async def test_the_posters_edit_of_her_post_is_what_the_bot_quotes_from_then_on(
    h: Harness,
) -> None:
    thread = await _adopt(h)
    reply = await h.reply(JO, thread, "Say the role was cut; it is true and common.")
    h.outbox.clear()

    await _edit(h, MAYA, thread, NEW_STORY)

    async with h.core.store.transaction() as repo:
        post = await repo.post_by_thread(COMMUNITY, thread)
    assert post is not None and post.title == "Let go after a restructure"
    assert post.body == NEW_STORY
    assert h.outbox.of(EditMessage), "the status message is brought up to date"
    await h.mark(MAYA, reply)
    await h.wait(timedelta(days=20))  # the outcome ask, reminders, closing
    sent = _everything_sent(h)
    assert "Let go after a restructure" in sent
    assert "Initech" not in sent and "Lumbergh" not in sent
    assert "Initech" not in await _words_stored(h)


async def test_someone_elses_edit_of_a_post_changes_nothing(h: Harness) -> None:
    thread = await _adopt(h)
    await _edit(h, JO, thread, NEW_STORY)
    async with h.core.store.transaction() as repo:
        post = await repo.post_by_thread(COMMUNITY, thread)
    assert post is not None and post.body == OLD_STORY


async def test_deleting_the_post_withdraws_it(h: Harness) -> None:
    thread = await _adopt(h)
    reply = await h.reply(JO, thread, "Say the role was cut.")
    h.outbox.clear()

    await _delete(h, thread)

    assert "Initech" not in await _words_stored(h)
    assert "Say the role was cut." in await _words_stored(h), "replies stay with their authors"
    assert await _pending_follow_ups(h) == []
    note = [s for s in h.outbox.of(Send) if s.target == Thread(thread_ref=thread)]
    assert said(note) == ["thread.withdrawn_note"]
    assert h.outbox.of(CloseThread) == [CloseThread(thread_ref=thread)]
    status = h.outbox.of(EditMessage)
    assert status and status[-1].message.key == "setback.withdrawn"

    h.outbox.clear()
    await h.reply(RUTH, thread, "A reply after it was withdrawn")
    refused = await h.mark(MAYA, reply)
    assert await h.wait(timedelta(days=40)) == 0, "no reminder, nudge, ask or closing"
    assert h.outbox.direct_to(MAYA) == [] and h.outbox.direct_to(JO) == []
    assert "A reply after" not in await _words_stored(h)
    assert _notice(refused) == "error.post_withdrawn"

    await _delete(h, thread)  # told twice (Slack's tombstone, then the deletion)
    assert len(h.outbox.of(CloseThread)) == 0


async def test_a_moderator_deleting_the_bots_root_withdraws_a_form_post(h: Harness) -> None:
    thread = await h.post(MAYA, title="Fired from Initech", body=OLD_STORY)
    await h.reply(JO, thread, "Say the role was cut.")
    h.outbox.clear()

    await _delete(h, thread)

    assert "Initech" not in await _words_stored(h)
    assert await _pending_follow_ups(h) == []
    # The root was the status message: gone, so nothing edits it.
    assert h.outbox.of(EditMessage) == []
    assert said(h.outbox.of(Send)) == ["thread.withdrawn_note"]
    h.outbox.clear()
    assert await h.wait(timedelta(days=40)) == 0 and h.outbox.direct_to(MAYA) == []


async def test_a_deleted_thread_withdraws_the_post_without_writing_to_it(h: Harness) -> None:
    thread = await h.post(MAYA, title="Fired from Initech", body=OLD_STORY)
    await h.reply(JO, thread, "Say the role was cut.")
    h.outbox.clear()

    await _delete(h, thread, thread_gone=True)

    assert "Initech" not in await _words_stored(h)
    assert await _pending_follow_ups(h) == []
    assert h.outbox.sent == []


async def test_a_deleted_reply_loses_its_words(h: Harness) -> None:
    thread = await h.post(MAYA)
    reply = await h.reply(JO, thread, "Ask them for feedback in writing.")
    await h.mark(MAYA, reply)
    await _delete(h, reply, thread)
    assert "in writing" not in await _words_stored(h)
    async with h.core.store.transaction() as repo:
        found = await repo.reply_by_ref(COMMUNITY, reply)
    assert found is not None and found.deleted and not found.is_best


async def test_a_deletion_before_its_reply_stores_the_reply_as_deleted(h: Harness) -> None:
    thread = await h.post(MAYA)
    await h.wait(timedelta())  # the post's similar setbacks (none) fire at once
    early_ref = "msg-early"
    await _delete(h, early_ref, thread)  # the deletion overtook the reply
    await h.send(
        MessagePosted(
            **h._base(JO),
            channel_id="support",
            message_ref=early_ref,
            text="Words that were taken back",
            thread_ref=thread,
        )
    )
    async with h.core.store.transaction() as repo:
        found = await repo.reply_by_ref(COMMUNITY, early_ref)
    assert found is not None and found.deleted and found.text == ""
    refused = await h.mark(MAYA, early_ref)
    assert _notice(refused) == "error.not_markable"
    assert await _pending_follow_ups(h) == sorted(
        [FollowUpKind.CLOSE, FollowUpKind.OUTCOME_ASK, FollowUpKind.UNANSWERED_NUDGE]
    ), "a deleted reply does not count as an answer"
    await h.reply(RUTH, thread, "A real answer")  # so the next one is the first
    assert FollowUpKind.BEST_REMINDER in await _pending_follow_ups(h)


async def test_a_tombstone_is_kept_for_a_day(h: Harness) -> None:
    thread = await h.post(MAYA)
    await _delete(h, "msg-late", thread)
    h.clock.advance(KEPT_FOR + timedelta(minutes=1))
    late = MessagePosted(
        **h._base(JO), channel_id="support", message_ref="msg-late", text="Hi", thread_ref=thread
    )
    await h.send(late)
    async with h.core.store.transaction() as repo:
        found = await repo.reply_by_ref(COMMUNITY, "msg-late")
    assert found is not None and not found.deleted


async def _form_decided(h: Harness) -> tuple[list[Pending], str]:
    """A post decided (stored, its StartThread waiting to go out) and the ref the outbox
    will give its thread."""
    form = next(i for i in await h.command(MAYA) if isinstance(i, OpenForm)).form
    event = FormSubmitted(
        **h._base(MAYA), form_id=form.form_id, values={"title": "Froze", "body": "Badly."}
    )
    pending = await h.core.decide(event, h.outbox.capabilities)
    return pending, f"out-{len(h.outbox.refs) + 1}"


async def test_a_reply_before_its_thread_is_recorded_is_recorded_once_it_is(h: Harness) -> None:
    pending, thread = await _form_decided(h)
    early = MessagePosted(
        **h._base(JO), channel_id="support", message_ref="m-1", text="First!", thread_ref=thread
    )
    await h.send(early)
    await h.send(early)  # redelivered while parked
    async with h.core.store.transaction() as repo:
        assert await repo.post_by_thread(COMMUNITY, thread) is None

    await h.core.send(COMMUNITY, pending, h.outbox)

    async with h.core.store.transaction() as repo:
        post = await repo.post_by_thread(COMMUNITY, thread)
        assert post is not None
        replies = await repo.replies(COMMUNITY, post.id)
    assert [(r.author_id, r.text) for r in replies] == [(JO.user_id, "First!")]
    assert FollowUpKind.BEST_REMINDER in await _pending_follow_ups(h)
    await h.send(early)  # and once more, after
    async with h.core.store.transaction() as repo:
        assert len(await repo.replies(COMMUNITY, post.id)) == 1


async def test_a_reply_decided_before_its_top_level_message_is_recorded_once_it_is(
    h: Harness,
) -> None:
    """On Slack each event is decided after its own ack: a reply right behind a member's
    message can be decided first."""
    thread = h.next_message_ref()
    early = MessagePosted(
        **h._base(JO), channel_id="support", message_ref="m-1", text="Same here.", thread_ref=thread
    )
    await h.send(early)
    story = MessagePosted(
        **h._base(MAYA), channel_id="support", message_ref=thread, text="Froze in the call."
    )
    await h.send(story)
    async with h.core.store.transaction() as repo:
        post = await repo.post_by_thread(COMMUNITY, thread)
        assert post is not None
        replies = await repo.replies(COMMUNITY, post.id)
    assert [(r.author_id, r.text) for r in replies] == [(JO.user_id, "Same here.")]


async def test_a_parked_reply_then_deleted_is_recorded_as_deleted(h: Harness) -> None:
    pending, thread = await _form_decided(h)
    base = {"channel_id": "support", "message_ref": "m-1", "thread_ref": thread}
    await h.send(MessagePosted(**h._base(JO), text="Taken back", **base))
    await _delete(h, "m-1", thread)
    await h.core.send(COMMUNITY, pending, h.outbox)
    async with h.core.store.transaction() as repo:
        found = await repo.reply_by_ref(COMMUNITY, "m-1")
    assert found is not None and found.deleted
    assert "Taken back" not in await _words_stored(h)


async def test_replies_in_threads_outside_the_support_channel_are_not_kept(h: Harness) -> None:
    event = MessagePosted(
        **h._base(JO), channel_id="random", message_ref="m-9", text="hi", thread_ref="t-9"
    )
    await h.send(event)
    async with h.core.store.engine.connect() as db:
        parked = (await db.execute(text("SELECT count(*) FROM parked_event"))).scalar_one()
    assert parked == 0


async def test_a_moderators_deletion_of_a_reply_does_not_touch_the_post(h: Harness) -> None:
    thread = await h.post(MAYA, body=OLD_STORY)
    reply = await h.reply(SAM, thread, "Moderator note")
    await _delete(h, reply, thread)
    assert "Initech" in await _words_stored(h)
    assert FollowUpKind.OUTCOME_ASK in await _pending_follow_ups(h)


async def test_a_closed_post_withdrawn_later_is_not_reopened_to_say_so(h: Harness) -> None:
    thread = await _adopt(h)
    await h.reply(JO, thread, "Say the role was cut.")
    await h.wait(timedelta(days=31))  # closed after a quiet month
    h.outbox.clear()

    await _delete(h, thread)

    assert "Initech" not in await _words_stored(h)
    assert h.outbox.of(CloseThread) == [] and h.outbox.of(Send) == []
    assert h.outbox.of(EditMessage)[-1].message.key == "setback.withdrawn"


async def test_an_ask_waiting_to_be_delivered_is_dropped_with_its_withdrawn_post(
    h: Harness,
) -> None:
    thread = await h.post(MAYA, title="Fired from Initech", ask_outcome_on="2d")
    closed = DMsClosedFor(MAYA.user_id)
    h.clock.advance(timedelta(days=2))
    await h.core.tick(lambda _c: closed, frozenset({"console"}))
    assert closed.refused == 1  # the ask waits in the outbox for her DMs to open

    await _delete(h, thread)

    assert await take_direct_messages(h.core.store, h.clock, COMMUNITY, MAYA.user_id) == []
    h.outbox.clear()
    await h.wait(timedelta(days=3))
    assert h.outbox.direct_to(MAYA) == [] and closed.refused == 1
