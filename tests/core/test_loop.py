"""The setback loop through the real core on a real SQLite file, driven as an adapter would."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import event

from bot.contract.events import FormSubmitted, MessageDeleted, MessagePosted
from bot.contract.intents import (
    Button,
    Channel,
    CloseThread,
    EditMessage,
    Form,
    OpenForm,
    RejectForm,
    Send,
    SetThreadTags,
    StartThread,
    Thread,
)
from bot.domain.model import CommunitySettings, Member
from tests.core.direction_checks import direction_leak, texts_in
from tests.support import COMMUNITY, JO, MAYA, RUTH, SAM, Harness, form_in, harness, said, words

NEWCOMER = Member(user_id="U-new", display_name="Ade")


@pytest.fixture
async def h(sqlite_url: str) -> AsyncIterator[Harness]:
    async with harness(sqlite_url) as running:
        yield running


async def _replies(h: Harness, thread: str) -> list[tuple[str, bool, bool]]:
    async with h.core.store.transaction() as repo:
        post = await repo.post_by_thread(COMMUNITY, thread)
        assert post is not None
        return [
            (r.author_name, r.by_poster, r.is_best) for r in await repo.replies(COMMUNITY, post.id)
        ]


async def test_a_named_post_starts_a_thread_and_thanks_the_poster(h: Harness) -> None:
    await h.post(MAYA, stage="final_round", kind="rejected", tags="design")
    start = h.outbox.of(StartThread)[0]
    assert start.channel_id == "support"
    assert start.message.key == "setback.root"
    assert start.message.params["author"] == "Maya Okafor"
    assert start.message.author == "Maya Okafor"  # shown as the member who shared it
    assert start.tags == (words("stage.final_round"), words("kind.rejected"))
    details = str(start.message.params["details"])
    assert "#design" in details and all(tag in details for tag in start.tags)
    assert h.outbox.notices_to(MAYA)[0].message.key == "setback.posted_ack"


async def test_an_anonymous_post_never_shows_the_poster(h: Harness) -> None:
    await h.post(MAYA, anonymous="yes")
    start = h.outbox.of(StartThread)[0]
    assert "Maya" not in start.message.text and "U-maya" not in start.message.text
    ack = h.outbox.notices_to(MAYA)[0].message
    assert ack.key == "setback.posted_ack_anonymous"
    assert start.message.author == words("anonymous.label", pseudonym=ack.params["pseudonym"])


async def test_a_bad_form_is_rejected_field_by_field_and_posts_nothing(h: Harness) -> None:
    form = next(i for i in await h.command(MAYA) if isinstance(i, OpenForm)).form
    intents = await h.submit(MAYA, form.form_id, title="", body="x" * 8001, tags="a,b,c,d,e,f")
    rejected = [i for i in intents if isinstance(i, RejectForm)]
    assert len(rejected) == 1
    assert set(rejected[0].errors) == {"title", "body", "tags"}
    assert "8001" in rejected[0].errors["body"]
    assert h.outbox.of(StartThread) == []
    async with h.core.store.transaction() as repo:
        assert await repo.post(COMMUNITY, 1) is None


async def test_an_unknown_command_gets_a_friendly_answer(h: Harness) -> None:
    intents = await h.command(MAYA, "dance")
    unknown = h.outbox.notices_to(MAYA)[0].message
    assert (unknown.key, dict(unknown.params)) == ("error.unknown_command", {"command": "dance"})
    assert len(intents) == 1


async def test_a_plain_message_in_support_is_adopted(h: Harness) -> None:
    event = MessagePosted(
        community_id=COMMUNITY,
        event_id="plain-1",
        actor=JO,
        channel_id="support",
        message_ref="root-9",
        text="Ghosted after the final round\nThree weeks of silence now.",
    )
    await h.send(event)
    sent = h.outbox.of(Send)
    assert len(sent) == 1 and sent[0].target == Thread(thread_ref="root-9")
    assert sent[0].message.key == "setback.adopted"
    assert sent[0].message.params["author"] == "Jo"
    async with h.core.store.transaction() as repo:
        post = await repo.post_by_thread(COMMUNITY, "root-9")
    assert post is not None and post.title == "Ghosted after the final round"
    assert post.status_message_ref == "out-1"


async def test_messages_elsewhere_are_not_adopted(h: Harness) -> None:
    event = MessagePosted(
        community_id=COMMUNITY,
        event_id="e",
        actor=JO,
        channel_id="random",
        message_ref="x",
        text="hi",
    )
    assert await h.send(event) == []


async def test_replies_are_recorded_and_the_posters_own_are_flagged(h: Harness) -> None:
    thread = await h.post(MAYA)
    await h.reply(JO, thread, "Send a short thank-you.")
    await h.reply(MAYA, thread, "Thanks Jo!")
    assert await _replies(h, thread) == [("Jo", False, False), ("Maya Okafor", True, False)]


async def test_an_anonymous_poster_speaks_through_the_bot(h: Harness) -> None:
    thread = await h.post(MAYA, anonymous="yes")
    await h.dm(MAYA, "Thank you, @here, truly")
    relayed = [s for s in h.outbox.of(Send) if s.target == Thread(thread_ref=thread)]
    assert len(relayed) == 1
    pseudonym = h.outbox.notices_to(MAYA)[0].message.params["pseudonym"]
    assert relayed[0].message.author == words("anonymous.label", pseudonym=pseudonym)
    assert "@here" not in relayed[0].message.text
    assert "Maya" not in str(relayed[0])
    assert await _replies(h, thread) == [(pseudonym, True, False)]


async def test_a_private_message_without_an_anonymous_post_is_explained(h: Harness) -> None:
    await h.dm(JO, "hello?")
    assert h.outbox.notices_to(JO)[0].message.key == "relay.no_post"


async def test_only_the_poster_can_use_the_anonymous_reply_button(h: Harness) -> None:
    await h.post(MAYA, anonymous="yes")
    button = h.outbox.of(StartThread)[0].message.buttons[0]
    refused = await h.press(JO, button)
    assert h.outbox.notices_to(JO)[0].message.key == "error.not_poster"
    assert not any(isinstance(i, OpenForm) for i in refused)
    opened = await h.press(MAYA, button)
    assert isinstance(opened[0], OpenForm)


async def _appreciations(h: Harness, message_ref: str) -> int:
    async with h.core.store.transaction() as repo:
        reply = await repo.reply_by_ref(COMMUNITY, message_ref)
    assert reply is not None
    return reply.appreciations


async def test_appreciation_counts_once_per_member_and_never_ones_own(h: Harness) -> None:
    thread = await h.post(MAYA)
    tip = await h.reply(JO, thread, "Call them.")
    for actor in (RUTH, RUTH, SAM, JO):
        await h.react(actor, tip, ":+1:")
    await h.react(MAYA, tip, "tada")
    assert await _appreciations(h, tip) == 2
    await h.react(SAM, tip, "+1", removed=True)
    assert await _appreciations(h, tip) == 1


async def test_the_appreciate_button_says_so_when_pressed_twice(h: Harness) -> None:
    await h.post(MAYA, anonymous="yes")
    await h.dm(MAYA, "Update: I wrote to them.")
    button = h.outbox.of(Send)[-1].message.buttons[0]
    await h.press(JO, button)
    await h.press(JO, button)
    assert said(h.outbox.notices_to(JO)) == ["appreciate.done", "appreciate.already"]


async def test_the_poster_marks_several_best_answers_and_can_unmark(h: Harness) -> None:
    thread = await h.post(MAYA)
    first = await h.reply(JO, thread, "Write to the interviewer directly.")
    second = await h.reply(RUTH, thread, "Ask HR for feedback.")
    await h.mark(MAYA, first)
    await h.mark(MAYA, second)
    assert await _replies(h, thread) == [("Jo", False, True), ("Ruth", False, True)]
    edit = h.outbox.of(EditMessage)[-1]
    assert edit.message_ref == thread
    assert [link.message_ref for link in edit.message.links] == [first, second]
    assert words("tag.answered") in h.outbox.of(SetThreadTags)[-1].tags
    assert "best.author_told" in said(h.outbox.direct_to(JO))
    await h.mark(MAYA, first, action="unmark_best")
    assert await _replies(h, thread) == [("Jo", False, False), ("Ruth", False, True)]


async def test_a_moderator_may_mark_but_nobody_else(h: Harness) -> None:
    thread = await h.post(MAYA)
    tip = await h.reply(JO, thread, "Try again next cycle.")
    await h.mark(RUTH, tip)
    assert h.outbox.notices_to(RUTH)[0].message.key == "error.not_your_post"
    assert await _replies(h, thread) == [("Jo", False, False)]
    await h.mark(SAM, tip)
    assert await _replies(h, thread) == [("Jo", False, True)]


async def test_marking_something_that_is_not_a_reply_is_explained(h: Harness) -> None:
    await h.mark(MAYA, "no-such-message")
    assert h.outbox.notices_to(MAYA)[0].message.key == "error.unknown_message"


async def test_the_best_answer_reminder_comes_once_after_a_quiet_spell(h: Harness) -> None:
    thread = await h.post(MAYA, ask_outcome_on="60d")
    await h.reply(JO, thread, "One idea.")
    await h.wait(timedelta(hours=71))
    assert h.outbox.direct_to(MAYA) == []
    await h.wait(timedelta(hours=2))
    assert said(h.outbox.direct_to(MAYA)) == ["reminder.best"]
    await h.reply(RUTH, thread, "Another idea.")
    await h.wait(timedelta(days=5))
    assert said(h.outbox.direct_to(MAYA)).count("reminder.best") == 1


async def test_each_answer_starts_the_quiet_spell_again_and_the_posters_own_do_not(
    h: Harness,
) -> None:
    thread = await h.post(MAYA, ask_outcome_on="60d")
    await h.reply(JO, thread, "One idea.")
    await h.wait(timedelta(hours=48))
    await h.reply(RUTH, thread, "Another idea.")
    await h.wait(timedelta(hours=25))  # 73 h after Jo's answer, 25 h after Ruth's
    assert "reminder.best" not in said(h.outbox.direct_to(MAYA))
    await h.reply(MAYA, thread, "Thanks both, thinking it over.")
    await h.wait(timedelta(hours=48))  # 73 h after Ruth's answer
    assert said(h.outbox.direct_to(MAYA)).count("reminder.best") == 1


async def test_a_later_reply_writes_no_follow_up_row(h: Harness) -> None:
    """Replies after the first answer move no follow-up: closing and the reminder are put
    off when they fall due (the two tests above and the closing test check when)."""
    thread = await h.post(MAYA, ask_outcome_on="60d")
    await h.reply(JO, thread, "One idea.")
    ran: list[str] = []

    def listen(*args: object) -> None:
        ran.append(str(args[2]))

    event.listen(h.core.store.sync_engine, "before_cursor_execute", listen)
    try:
        await h.reply(RUTH, thread, "Another idea.")
        await h.reply(MAYA, thread, "Thanks.")
    finally:
        event.remove(h.core.store.sync_engine, "before_cursor_execute", listen)
    assert ran and not [sql for sql in ran if "follow_up" in sql]
    assert len(await _replies(h, thread)) == 3


async def test_no_reminder_once_a_best_answer_is_chosen(h: Harness) -> None:
    thread = await h.post(MAYA, ask_outcome_on="60d")
    tip = await h.reply(JO, thread, "One idea.")
    await h.mark(MAYA, tip)
    await h.wait(timedelta(days=4))
    assert "reminder.best" not in said(h.outbox.direct_to(MAYA))


async def test_helpers_are_nudged_once_about_an_unanswered_post(h: Harness) -> None:
    await h.post(MAYA)
    await h.wait(timedelta(hours=23))
    assert not [s for s in h.outbox.of(Send) if s.target == Channel(channel_id="helpers")]
    await h.wait(timedelta(hours=2))
    await h.wait(timedelta(days=3))
    nudges = [s for s in h.outbox.of(Send) if s.target == Channel(channel_id="helpers")]
    assert said(nudges) == ["nudge.unanswered"]
    assert nudges[0].message.params["hours"] == 24


async def test_no_nudge_when_someone_replied(h: Harness) -> None:
    thread = await h.post(MAYA)
    await h.reply(JO, thread, "Hello!")
    await h.wait(timedelta(days=2))
    assert not [s for s in h.outbox.of(Send) if s.target == Channel(channel_id="helpers")]


def _asks(h: Harness) -> list[Send]:
    return [s for s in h.outbox.direct_to(MAYA) if s.message.key == "outcome.ask"]


async def test_the_outcome_ask_comes_on_the_chosen_day_and_snooze_waits_a_week(h: Harness) -> None:
    await h.post(MAYA, ask_outcome_on="10d")
    await h.wait(timedelta(days=9))
    assert _asks(h) == []
    await h.wait(timedelta(days=1))
    assert len(_asks(h)) == 1
    snooze = next(b for b in _asks(h)[0].message.buttons if b.action_id.startswith("rb:snooze"))
    await h.press(MAYA, snooze)
    await h.wait(timedelta(days=6))
    assert len(_asks(h)) == 1
    await h.wait(timedelta(days=1))
    assert len(_asks(h)) == 2


async def test_stop_asking_is_one_press(h: Harness) -> None:
    await h.post(MAYA, ask_outcome_on="2d")
    await h.wait(timedelta(days=2))
    stop = next(b for b in _asks(h)[0].message.buttons if b.action_id.startswith("rb:stop"))
    await h.press(MAYA, stop)
    await h.wait(timedelta(days=60))
    assert len(_asks(h)) == 1


async def test_still_waiting_asks_again_once(h: Harness) -> None:
    await h.post(MAYA, ask_outcome_on="2d")
    await h.wait(timedelta(days=2))
    for _ in range(2):
        waiting = next(
            b for b in _asks(h)[-1].message.buttons if b.action_id.startswith("rb:waiting")
        )
        await h.press(MAYA, waiting)
        await h.wait(timedelta(days=14))
    assert len(_asks(h)) == 2
    assert h.outbox.notices_to(MAYA)[-1].message.key == "outcome.waiting_last"


async def test_only_the_poster_answers_the_outcome_ask(h: Harness) -> None:
    await h.post(MAYA, ask_outcome_on="2d")
    await h.wait(timedelta(days=2))
    worked = _asks(h)[0].message.buttons[0]
    assert await h.press(JO, worked) == [h.outbox.notices_to(JO)[0]]


async def _outcome_form_after_replies(h: Harness, *helpers: Member) -> tuple[str, Form]:
    """Maya's post, a reply by each helper, and her outcome form opened: thread and form."""
    thread = await h.post(MAYA, ask_outcome_on="3d")
    for helper, text in zip(helpers, ["Write a warm note.", "Ask for feedback."], strict=True):
        await h.reply(helper, thread, text)
    await h.wait(timedelta(days=3))
    form = form_in(await h.press(MAYA, _asks(h)[0].message.buttons[0]))
    return thread, form


async def test_the_outcome_is_shared_and_everyone_who_replied_is_told(h: Harness) -> None:
    thread, form = await _outcome_form_after_replies(h, JO, RUTH)
    acted = next(f for f in form.fields if f.name == "acted_on")
    jo_choice = next(c.value for c in acted.choices if c.label.startswith("Jo"))
    await h.submit(
        MAYA,
        form.form_id,
        result="worked",
        events="another_interview",
        acted_on=jo_choice,
        note="They invited me back!",
    )
    update = [s for s in h.outbox.of(Send) if s.target == Thread(thread_ref=thread)][-1]
    assert update.message.key == "outcome.update.headline"
    assert dict(update.message.params) == {"author": "Maya Okafor", "result": "It worked"}
    assert update.message.text == "\n".join(
        [
            words("outcome.update.headline", author="Maya Okafor", result=words("result.worked")),
            words("outcome.update.events", events=words("event.another_interview")),
            words("outcome.update.acted_on", names="Jo"),
            words("outcome.update.note", note="They invited me back!"),
        ]
    )
    told_jo, told_ruth = h.outbox.direct_to(JO)[-1].message, h.outbox.direct_to(RUTH)[-1].message
    assert (told_jo.key, told_jo.params["name"]) == ("outcome.told_acted", "Jo")
    assert told_ruth.key == "outcome.told"  # Ruth's advice was not the one acted on
    assert words("tag.update_shared") in h.outbox.of(SetThreadTags)[-1].tags


async def test_quiet_threads_close_but_still_take_the_outcome(h: Harness) -> None:
    thread = await h.post(MAYA, ask_outcome_on="45d")
    await h.reply(JO, thread, "Hang in there.")
    await h.wait(timedelta(days=20))
    await h.reply(RUTH, thread, "Same here.")
    await h.wait(timedelta(days=29))
    assert h.outbox.of(CloseThread) == []
    await h.wait(timedelta(days=2))
    assert h.outbox.of(CloseThread) == [CloseThread(thread_ref=thread)]
    await h.reply(JO, thread, "Late reply")
    assert h.outbox.notices_to(JO)[-1].message.key == "error.thread_closed"
    assert len(await _replies(h, thread)) == 2
    await h.wait(timedelta(days=5))
    form = form_in(await h.press(MAYA, _asks(h)[0].message.buttons[1]))
    await h.submit(MAYA, form.form_id, result="partly", note="Got feedback at least.")
    update = [s for s in h.outbox.of(Send) if s.target == Thread(thread_ref=thread)][-1].message
    assert (update.key, update.params["result"]) == ("outcome.update.headline", "Partly")


async def test_communities_never_see_each_other(sqlite_url: str) -> None:
    async with harness(sqlite_url) as h:
        await h.core.ensure_community(
            "console:other", "console", CommunitySettings(close_after_days=2)
        )
        thread = await h.post(MAYA)
        tip = await h.reply(JO, thread, "A tip")
        foreign = MessagePosted(
            community_id="console:other",
            event_id="x-1",
            actor=RUTH,
            channel_id="support",
            message_ref="y",
            text="hi",
            thread_ref=thread,
        )
        assert await h.send(foreign) == []
        from bot.contract.events import MessageActionInvoked

        await h.send(
            MessageActionInvoked(
                community_id="console:other",
                event_id="x-2",
                actor=SAM,
                action="mark_best",
                message_ref=tip,
            )
        )
        assert await _replies(h, thread) == [("Jo", False, False)]
        async with h.core.store.transaction() as repo:
            assert await repo.post_by_thread("console:other", thread) is None
            other = await repo.community("console:other")
        assert other is not None and other[1].close_after_days == 2


async def test_with_two_anonymous_posts_open_a_private_message_asks_which(h: Harness) -> None:
    first = await h.post(MAYA, anonymous="yes", title="Screen went badly")
    second = await h.post(MAYA, anonymous="yes", title="Ghosted after the panel")
    await h.dm(MAYA, "Thanks, I'll try that.")
    relayed = [
        s
        for s in h.outbox.of(Send)
        if s.target in (Thread(thread_ref=first), Thread(thread_ref=second))
    ]
    assert relayed == []
    which = h.outbox.notices_to(MAYA)[-1].message
    assert (which.key, which.params["count"]) == ("relay.which", 2)
    assert [b.label for b in which.buttons] == [
        words("button.reply_in", title="Ghosted after the panel"),
        words("button.reply_in", title="Screen went badly"),
    ]
    opened = await h.press(MAYA, which.buttons[1])
    form = form_in(opened)
    await h.submit(MAYA, form.form_id, text="Thanks, I'll try that.")
    relayed = [s for s in h.outbox.of(Send) if s.target == Thread(thread_ref=first)]
    assert [s.message.text for s in relayed] == ["Thanks, I'll try that."]


def _button(h: Harness, prefix: str) -> Button:
    return next(b for b in _asks(h)[-1].message.buttons if b.action_id.startswith(prefix))


async def test_old_ask_buttons_cannot_undo_a_shared_outcome_or_a_stop(h: Harness) -> None:
    thread = await h.post(MAYA, ask_outcome_on="2d")
    await h.reply(JO, thread, "Good luck.")
    await h.wait(timedelta(days=2))
    snooze, waiting = _button(h, "rb:snooze"), _button(h, "rb:waiting")
    form = form_in(await h.press(MAYA, _asks(h)[-1].message.buttons[0]))
    assert "still_waiting" not in [c.value for c in form.fields[0].choices]
    await h.submit(MAYA, form.form_id, result="worked")
    await h.press(MAYA, snooze)
    assert h.outbox.notices_to(MAYA)[-1].message.key == "outcome.already_shared"
    await h.press(MAYA, waiting)
    await h.wait(timedelta(days=30))
    assert len(_asks(h)) == 1


async def test_still_waiting_pressed_twice_counts_once(h: Harness) -> None:
    await h.post(MAYA, ask_outcome_on="2d")
    await h.wait(timedelta(days=2))
    waiting = _button(h, "rb:waiting")
    await h.press(MAYA, waiting)
    await h.press(MAYA, waiting)
    await h.wait(timedelta(days=14))
    assert len(_asks(h)) == 2


async def test_snooze_after_stop_asking_is_refused(h: Harness) -> None:
    await h.post(MAYA, ask_outcome_on="2d")
    await h.wait(timedelta(days=2))
    snooze = _button(h, "rb:snooze")
    await h.press(MAYA, _button(h, "rb:stop"))
    await h.press(MAYA, snooze)
    assert h.outbox.notices_to(MAYA)[-1].message.key == "outcome.stopped"
    await h.wait(timedelta(days=30))
    assert len(_asks(h)) == 1


async def test_the_outcome_form_refuses_still_waiting(h: Harness) -> None:
    await h.post(MAYA, ask_outcome_on="2d")
    await h.wait(timedelta(days=2))
    form = form_in(await h.press(MAYA, _asks(h)[-1].message.buttons[0]))
    intents = await h.submit(MAYA, form.form_id, result="still_waiting")
    assert [type(i) for i in intents] == [RejectForm]


async def test_a_deleted_reply_is_never_credited(h: Harness) -> None:
    thread = await h.post(MAYA, ask_outcome_on="2d")
    tip = await h.reply(RUTH, thread, "Call them.")
    await h.wait(timedelta(days=2))
    form = form_in(await h.press(MAYA, _asks(h)[-1].message.buttons[0]))
    ruth = next(c.value for c in form.fields[2].choices if c.label.startswith("Ruth"))
    await h.send(
        MessageDeleted(community_id=COMMUNITY, event_id="del", actor=RUTH, message_ref=tip)
    )
    intents = await h.submit(MAYA, form.form_id, result="worked", acted_on=ruth)
    assert [type(i) for i in intents] == [RejectForm]


async def test_titles_cannot_ping_as_thread_names_or_link_labels(h: Harness) -> None:
    await h.post(MAYA, title="@everyone <!channel> <@&123> help")
    start = h.outbox.of(StartThread)[0]
    assert "@everyone" not in start.title
    assert "<!channel>" not in start.title
    await h.wait(timedelta(days=2))
    nudge = next(s for s in h.outbox.of(Send) if s.target == Channel(channel_id="helpers"))
    assert all("@everyone" not in link.label for link in nudge.message.links)
    assert "@everyone" not in nudge.message.text


async def test_marking_again_does_not_thank_the_author_twice(h: Harness) -> None:
    thread = await h.post(MAYA)
    tip = await h.reply(JO, thread, "Ask for feedback.")
    await h.mark(MAYA, tip)
    await h.mark(MAYA, tip, action="unmark_best")
    await h.mark(MAYA, tip)
    assert said(h.outbox.direct_to(JO)) == ["best.author_told"]
    assert await _replies(h, thread) == [("Jo", False, True)]


async def test_a_moderator_may_still_post_in_a_closed_thread(h: Harness) -> None:
    thread = await h.post(MAYA, ask_outcome_on="60d")
    await h.wait(timedelta(days=31))
    await h.reply(SAM, thread, "Closing remarks from the moderators.")
    await h.reply(JO, thread, "Too late?")
    assert await _replies(h, thread) == [("Sam", False, False)]
    assert h.outbox.notices_to(SAM) == []


async def test_an_unknown_message_action_is_explained(h: Harness) -> None:
    thread = await h.post(MAYA)
    tip = await h.reply(JO, thread, "Hi")
    await h.mark(MAYA, tip, action="explode")
    assert h.outbox.notices_to(MAYA)[-1].message.key == "error.unknown_message_action"


async def test_a_restart_with_new_settings_applies_them(h: Harness) -> None:
    """The adapter's configuration is the source of truth: a moved support channel takes
    effect at the next start, and posts go there."""
    moved = CommunitySettings(support_channel="setbacks", helpers_channel="helpers")
    await h.core.ensure_community(COMMUNITY, "console", moved)
    await h.post(MAYA)
    assert h.outbox.of(StartThread)[-1].channel_id == "setbacks"
    async with h.core.store.transaction() as repo:
        found = await repo.community(COMMUNITY)
    assert found is not None and found[1] == moved


async def test_names_listed_in_an_update_keep_their_direction_to_themselves(h: Harness) -> None:
    ada = Member(user_id="U-ada", display_name="\u202eAda")
    thread, form = await _outcome_form_after_replies(h, ada, RUTH)
    acted = next(f for f in form.fields if f.name == "acted_on")
    event = FormSubmitted(
        community_id=COMMUNITY,
        event_id=h.next_event_id(),
        actor=MAYA,
        form_id=form.form_id,
        values={"result": "worked", "acted_on": [c.value for c in acted.choices]},
    )
    await h.send(event)
    update = [s for s in h.outbox.of(Send) if s.target == Thread(thread_ref=thread)][-1]
    # Each name isolated on its own, so Ada's override reaches neither Ruth nor the sentence.
    assert "Ruth, \u2068\u202eAda\u202c\u2069" in update.message.text
    for intent in h.outbox.sent:
        for text in texts_in(intent):
            assert direction_leak(text) is None, text


async def test_a_long_title_is_cut_to_a_thread_name_before_it_is_made_safe(h: Harness) -> None:
    title = "\u202e" + "\u05d0" * 140  # an override and right-to-left letters, 141 characters
    await h.post(MAYA, title=title)
    start = h.outbox.of(StartThread)[0]
    assert len(start.title) <= 100
    assert direction_leak(start.title) is None
    assert start.title.startswith("\u2068\u202e\u05d0")
