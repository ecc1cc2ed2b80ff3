"""Moderators' actions through the core on both databases: featuring, hiding, locking and
reopening, retagging, notes, and the audit log that records each of them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.contract.intents import CloseThread, EditMessage, Intent, Notice, Send, Thread
from tests.support import COMMUNITY, JO, MAYA, RUTH, SAM, Harness, form_in, harness

FEATURE, HIDE = "feature_answer", "hide_reply"


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[Harness]:
    async with harness(database_url) as running:
        yield running


def _said(intents: list[Intent]) -> list[str | None]:
    return [i.message.key for i in intents if isinstance(i, Notice)]


async def _answered(h: Harness) -> tuple[str, str]:
    thread = await h.post(MAYA, title="Froze in the technical screen", body="I blanked on SQL.")
    reply = await h.reply(JO, thread, "Ask for feedback, then practise joins out loud.")
    return thread, reply


async def _feature(h: Harness, reply: str, **values: str) -> list[Intent]:
    form = form_in(await h.mark(SAM, reply, FEATURE))
    fields = {"topic": "Technical interviews", "summary": "Practise out loud", **values}
    return await h.submit(SAM, form.form_id, **fields)


async def _audit(h: Harness, text: str = "") -> Notice:
    intents = await h.command(SAM, "rebound", f"audit {text}".strip())
    return next(i for i in intents if isinstance(i, Notice))


async def _actions(h: Harness, setback_id: int | None = None) -> list[str]:
    """The actions in the audit log, newest first (the rows `/rebound audit` lists)."""
    async with h.core.store.transaction() as repo:
        entries = await repo.audit.latest(COMMUNITY, setback_id=setback_id)
    return [entry.action for entry in entries]


async def _post_id(h: Harness, thread: str) -> int:
    async with h.core.store.transaction() as repo:
        post = await repo.post_by_thread(COMMUNITY, thread)
        assert post is not None
        return post.id


async def test_members_who_do_not_moderate_are_refused_and_nothing_changes(h: Harness) -> None:
    thread, reply = await _answered(h)
    form = form_in(await h.mark(SAM, reply, FEATURE))
    number = await _post_id(h, thread)
    refusals = [
        await h.mark(RUTH, reply, FEATURE),
        await h.mark(RUTH, reply, HIDE),
        await h.submit(RUTH, form.form_id, topic="Technical interviews", summary="Mine now"),
        await h.command(RUTH, "rebound", "audit"),
        await h.command(RUTH, "rebound", f"lock {number} spam"),
        await h.command(RUTH, "rebound", f"note {number} hello"),
        await h.command(RUTH, "rebound", "topic Salary talks"),
    ]
    for refused in refusals:
        assert _said(refused) == ["moderation.moderators_only"]
    assert _said(await h.command(SAM, "rebound", "audit")) == ["audit.none"]
    assert _said(await h.command(RUTH, "rebound", "library joins")) == ["library.none"]


async def test_feature_edit_and_unfeature_each_leave_an_audit_row(h: Harness) -> None:
    _, reply = await _answered(h)
    assert _said(await _feature(h, reply)) == ["library.featured"]
    form = form_in(await h.mark(SAM, reply, FEATURE))
    assert {f.name: f.initial for f in form.fields}["summary"] == "Practise out loud"
    assert _said(await _feature(h, reply, summary="Say the joins out loud")) == [
        "library.feature_edited"
    ]
    (found,) = await h.command(RUTH, "rebound", "library joins")
    assert isinstance(found, Notice) and found.message.key == "library.header"
    assert "Say the joins out loud" in found.message.text  # the summary as edited
    form = form_in(await h.mark(SAM, reply, FEATURE))
    removed = await h.submit(SAM, form.form_id, topic="Ghosting", summary="x", unfeature="yes")
    assert _said(removed) == ["library.unfeatured"]
    assert _said(await h.command(RUTH, "rebound", "library joins")) == ["library.none"]
    log = (await _audit(h)).message
    assert (log.key, log.params["count"]) == ("audit.header", 3)
    assert await _actions(h) == ["unfeature", "edit_feature", "feature"]


async def test_bad_feature_forms_are_refused_by_field_and_change_nothing(h: Harness) -> None:
    _, reply = await _answered(h)
    form = form_in(await h.mark(SAM, reply, FEATURE))
    rejected = await h.submit(SAM, form.form_id, topic="Not a topic", summary="")
    errors = next(i for i in rejected if not isinstance(i, Notice))
    assert set(errors.errors) == {"topic", "summary"}  # type: ignore[union-attr]
    tampered = await h.submit(SAM, "rb:form:feature:999999", topic="Ghosting", summary="x")
    assert _said(tampered) == ["moderation.not_a_reply"]
    assert _said(await h.command(SAM, "rebound", "audit")) == ["audit.none"]


async def test_hiding_takes_a_reply_out_of_the_library_and_best_answers(h: Harness) -> None:
    thread, reply = await _answered(h)
    await h.mark(MAYA, reply)
    await _feature(h, reply)
    form = form_in(await h.mark(SAM, reply, HIDE))
    assert form.form_id.startswith("rb:form:hide:")
    h.outbox.clear()
    hidden = await h.submit(SAM, form.form_id, reason="Shares a private email address")
    assert _said(hidden) == ["moderation.hidden"]
    status = [i for i in hidden if isinstance(i, EditMessage)]
    assert status and not status[-1].message.links  # no longer listed as a best answer
    assert _said(await h.command(RUTH, "rebound", "library joins")) == ["library.none"]
    unhide = form_in(await h.mark(SAM, reply, HIDE))
    assert unhide.form_id.startswith("rb:form:unhide:")
    assert _said(await h.submit(SAM, unhide.form_id, reason="")) == ["moderation.unhidden"]
    assert _said(await h.command(RUTH, "rebound", "library joins")) == ["library.header"]
    number = await _post_id(h, thread)
    log = (await _audit(h, f"#{number}")).message
    assert (log.key, log.params["count"]) == ("audit.header", 3)
    assert "Shares a private email address" in log.text  # the moderator's reason is shown
    # No mark_best: the poster marked it herself.
    assert await _actions(h, number) == ["unhide", "hide", "feature"]


async def test_a_moderator_mark_on_the_posters_behalf_is_audited(h: Harness) -> None:
    _, reply = await _answered(h)
    await h.mark(SAM, reply)
    await h.mark(SAM, reply, "unmark_best")
    log = (await _audit(h)).message
    assert (log.key, log.params["count"]) == ("audit.header", 2)
    assert await _actions(h) == ["unmark_best", "mark_best"]


async def test_lock_refuses_replies_and_reopen_restarts_the_close_timer(h: Harness) -> None:
    thread, _ = await _answered(h)
    number = await _post_id(h, thread)
    locked = await h.command(SAM, "rebound", f"lock {number} Heated, cooling off")
    assert _said(locked) == ["moderation.locked"]
    assert CloseThread(thread_ref=thread) in locked
    notes = [i for i in locked if isinstance(i, Send) and i.target == Thread(thread_ref=thread)]
    assert notes[0].message.key == "moderation.locked_note"
    assert _said(await h.command(SAM, "rebound", f"lock {number} again")) == [
        "moderation.already_locked"
    ]
    h.outbox.clear()
    await h.reply(RUTH, thread, "One more thing")
    assert [n.message.key for n in h.outbox.notices_to(RUTH)] == ["error.thread_closed"]
    h.clock.advance(timedelta(days=3))
    reopened = await h.command(SAM, "rebound", f"reopen {thread}")
    assert _said(reopened) == ["moderation.reopened"]
    assert reopened[0] == CloseThread(thread_ref=thread, reopen=True)  # before the note
    async with h.core.store.transaction() as repo:
        post = await repo.post(COMMUNITY, number)
    assert post is not None and post.closed_at is None
    h.outbox.clear()
    await h.wait(timedelta(days=28))  # past the first close time, within the restarted one
    assert CloseThread(thread_ref=thread) not in h.outbox.sent
    await h.wait(timedelta(days=3))
    assert CloseThread(thread_ref=thread) in h.outbox.sent


async def test_retag_and_note_reach_the_thread_without_pinging(h: Harness) -> None:
    thread, _ = await _answered(h)
    number = await _post_id(h, thread)
    retagged = await h.command(SAM, "rebound", f"retag {number} sql, Screening")
    assert _said(retagged) == ["moderation.retagged"]
    async with h.core.store.transaction() as repo:
        post = await repo.post(COMMUNITY, number)
    assert post is not None and post.tags == ("sql", "screening")
    noted = await h.command(SAM, "rebound", f"note {number} Please be kind @everyone <!channel>")
    sent = next(i for i in noted if isinstance(i, Send))
    assert sent.target == Thread(thread_ref=thread)
    assert "@everyone" not in sent.message.text and "<!channel>" not in sent.message.text
    assert _said(await h.command(SAM, "rebound", "note 999999 hi")) == ["moderation.unknown_post"]


async def test_a_redelivered_moderator_action_writes_one_audit_row(h: Harness) -> None:
    from bot.contract.events import CommandInvoked

    thread, _ = await _answered(h)
    number = await _post_id(h, thread)
    event = CommandInvoked(
        community_id=COMMUNITY,
        event_id="ev-lock",
        actor=SAM,
        command="rebound",
        text=f"lock {number} spam",
    )
    for _ in range(3):
        await h.send(event)
    async with h.core.store.transaction() as repo:
        entries = await repo.audit.latest(COMMUNITY)
    assert [e.action for e in entries] == ["lock"]


async def test_audit_pages_with_an_older_button_and_filters_by_member(h: Harness) -> None:
    _, reply = await _answered(h)
    for n in range(12):
        await h.command(SAM, "rebound", f"topic Topic number {n}")
    first = await _audit(h)
    assert (first.message.key, first.message.params["count"]) == ("audit.header", 10)
    assert await _actions(h) == ["add_topic"] * 10
    older = first.message.buttons[0]
    second = next(i for i in await h.press(SAM, older) if isinstance(i, Notice))
    assert (second.message.key, second.message.params["count"]) == ("audit.header", 2)
    assert not second.message.buttons
    await _feature(h, reply)
    by_jo = (await _audit(h, f"<@{JO.user_id}|jo>")).message
    assert (by_jo.key, by_jo.params["count"]) == ("audit.header", 1)  # the feature of her reply
    async with h.core.store.transaction() as repo:
        done_to_jo = await repo.audit.latest(COMMUNITY, member_id=JO.user_id)
    assert [entry.action for entry in done_to_jo] == ["feature"]
    assert _said(await h.press(RUTH, older)) == ["moderation.moderators_only"]


async def test_an_action_on_another_communitys_record_is_refused(h: Harness) -> None:
    from bot.contract.events import FormSubmitted, MessageActionInvoked

    _, reply = await _answered(h)
    form = form_in(await h.mark(SAM, reply, FEATURE))
    elsewhere = "console:elsewhere"
    values = {"topic": "Ghosting", "summary": "Not yours"}
    forged = FormSubmitted(
        community_id=elsewhere, actor=SAM, event_id="ev-x1", form_id=form.form_id, values=values
    )
    assert _said(await h.send(forged)) == ["moderation.not_a_reply"]
    action = MessageActionInvoked(
        community_id=elsewhere, actor=SAM, event_id="ev-x2", action=HIDE, message_ref=reply
    )
    assert _said(await h.send(action)) == ["moderation.not_a_reply"]
    assert _said(await h.command(RUTH, "rebound", "library")) == ["library.none"]
    assert _said(await h.command(SAM, "rebound", "audit")) == ["audit.none"]
