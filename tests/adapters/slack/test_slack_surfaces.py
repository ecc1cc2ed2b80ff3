"""Each Slack surface: relays, best answers, edits, appreciation, asks, closing, home, commands."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.adapters.slack.fake_slack import Call, Scripted
from tests.adapters.slack.workspace import HELPERS, SUPPORT, Workspace

LENA, PRIYA, DEV, SAM = "U0LENA", "U0PRIYA", "U0DEV", "U0SAM"


def _root(slack: Workspace, thread: str) -> Call:
    return next(c for c in slack.fake.posts(SUPPORT) if c.ref == thread)


def _latest_edit(slack: Workspace, ref: str) -> Call:
    ts = ref.split(":")[1]
    return [c for c in slack.fake.of("chat.update") if c.params["ts"] == ts][-1]


async def test_reply_anonymously_opens_a_modal_and_posts_under_the_pseudonym(
    slack: Workspace,
) -> None:
    thread = await slack.share(LENA, anonymous="yes")
    root = _root(slack, thread)

    await slack.press(LENA, root.button("Reply anonymously"), thread)
    modal = slack.last_modal()
    assert modal["callback_id"].startswith("rb:form:relay")
    await slack.submit(
        LENA, modal, text="Thanks <@U0DEV>, <!subteam^S0MODS|mods>. <!here> I'll write to them."
    )

    relayed = slack.fake.posts(SUPPORT)[-1]
    assert relayed.params["thread_ts"] == thread.split(":")[1]
    assert relayed.params["username"] == root.params["username"]
    assert "Lena" not in relayed.flat() and LENA not in relayed.flat()
    for ping in ("<!here>", "<@U0DEV>", "<!subteam^S0MODS"):
        assert ping not in relayed.words
        assert ping.replace("<", "&lt;") not in relayed.words  # not even as escaped syntax
    assert relayed.params["link_names"] is False and relayed.params["parse"] == "none"
    assert relayed.button("Appreciate")


async def test_someone_elses_relay_button_is_refused_privately(slack: Workspace) -> None:
    thread = await slack.share(LENA, anonymous="yes")

    await slack.press(DEV, _root(slack, thread).button("Reply anonymously"), thread)

    assert (
        slack.fake.of("views.open")[-1].params["view"]["callback_id"].startswith("rb:form:setback")
    )
    notice = slack.fake.of("chat.postEphemeral")[-1]
    assert notice.params["user"] == DEV and notice.channel == SUPPORT


async def test_marking_unmarking_edits_and_deletions_update_the_root(slack: Workspace) -> None:
    thread = await slack.share(LENA)
    tip = await slack.say(PRIYA, "Ask the recruiter for two lines of feedback.", thread=thread)

    await slack.shortcut(LENA, "mark_best", tip)
    assert "Ask the recruiter" in _latest_edit(slack, thread).words
    assert (
        "<https://rebound-test.slack.com/archives/C0SUPPORT/p" in _latest_edit(slack, thread).words
    )

    await slack.event(
        slack.requests.edited(
            PRIYA, SUPPORT, tip.split(":")[1], "Ask the recruiter...", "Call the hiring manager."
        )
    )
    assert "Call the hiring manager" in _latest_edit(slack, thread).words

    await slack.shortcut(SAM, "unmark_best", tip)  # a moderator may
    assert "Call the hiring manager" not in _latest_edit(slack, thread).words

    await slack.shortcut(LENA, "mark_best", tip)
    await slack.event(slack.requests.deleted(PRIYA, SUPPORT, tip.split(":")[1]))
    assert "Call the hiring manager" not in _latest_edit(slack, thread).words


async def test_appreciation_by_reaction_and_by_button(slack: Workspace) -> None:
    thread = await slack.share(LENA, anonymous="yes")
    tip = await slack.say(PRIYA, "Write to them today.", thread=thread)

    await slack.react(DEV, tip, "+1::skin-tone-3")
    await slack.react(DEV, tip, "tada")  # not the community's appreciation emoji
    assert (await slack.row_counts())["appreciation"] == 1
    await slack.react(DEV, tip, "+1", added=False)
    assert (await slack.row_counts())["appreciation"] == 0
    await slack.react(DEV, tip, "+1")

    await slack.dm(LENA, "Thank you, writing tonight.")
    relayed = slack.fake.posts(SUPPORT)[-1]
    await slack.press(DEV, relayed.button("Appreciate"), relayed.ref)
    assert (await slack.row_counts())["appreciation"] == 2


async def test_outcome_ask_buttons_snooze_and_stop(slack: Workspace) -> None:
    await slack.share(LENA, ask_outcome_on="3d")
    await slack.wait(timedelta(days=3, hours=1))
    ask = next(c for c in slack.fake.posts(f"D{LENA}") if "turn out" in c.words)
    labels = [
        e["text"]["text"]
        for b in ask.params["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ]
    assert labels[:4] == ["It worked", "Partly", "Not this time", "Still waiting"]

    await slack.press(LENA, ask.button("Ask me in a week"), ask.ref)
    snoozed = slack.fake.of("chat.postEphemeral")[-1]
    assert snoozed.channel == f"D{LENA}" and "ask again" in snoozed.words

    await slack.press(LENA, ask.button("Stop asking"), ask.ref)
    assert "won't ask" in slack.fake.of("chat.postEphemeral")[-1].words
    await slack.wait(timedelta(days=8))
    assert len([c for c in slack.fake.posts(f"D{LENA}") if "turn out" in c.words]) == 1


async def test_a_closed_thread_stops_recording_replies_but_takes_the_posters_update(
    slack: Workspace,
) -> None:
    thread = await slack.share(LENA)
    await slack.wait(timedelta(days=45))
    assert any("closed to new replies" in t for t in slack.fake.texts(SUPPORT))

    await slack.say(PRIYA, "Late advice.", thread=thread)

    assert (await slack.row_counts())["reply"] == 0
    refused = slack.fake.of("chat.postEphemeral")[-1]
    assert refused.params["user"] == PRIYA and refused.channel == SUPPORT

    ask = next(c for c in slack.fake.posts(f"D{LENA}") if "turn out" in c.words)
    await slack.press(LENA, ask.button("Partly"), ask.ref)
    await slack.submit(LENA, slack.last_modal(), result="partly", note="A second interview.")
    update = slack.fake.posts(SUPPORT)[-1]
    assert update.params["thread_ts"] == thread.split(":")[1]
    assert update.words.startswith("Update from")


async def test_the_home_tab_lists_posts_pending_asks_and_templates(slack: Workspace) -> None:
    await slack.share(LENA, title="Ghosted after the panel")
    await slack.event({"type": "app_home_opened", "user": LENA, "channel": "D0HOME", "tab": "home"})

    published = slack.fake.of("views.publish")[-1]
    assert published.params["user_id"] == LENA
    assert published.params["view"]["type"] == "home"
    words = published.flat()
    assert "Ghosted after the panel" in words
    assert "I'll ask you how it turned out on" in words
    assert "/template" in words


async def test_a_long_relay_is_split_within_block_kit_limits_not_rejected(
    slack: Workspace,
) -> None:
    thread = await slack.share(LENA, anonymous="yes")
    long_reply = " ".join(f"thought{n}" for n in range(700))  # ~6,900 characters

    await slack.dm(LENA, long_reply)

    relayed = slack.fake.posts(SUPPORT)[-1]
    assert relayed.params["thread_ts"] == thread.split(":")[1]
    sections = [b for b in relayed.params["blocks"] if b["type"] == "section"]
    assert len(sections) == 3
    assert " ".join(b["text"]["text"] for b in sections) == long_reply


async def test_a_notice_where_the_bot_cannot_post_arrives_by_dm(slack: Workspace) -> None:
    slack.fake.script("chat.postEphemeral", Scripted(200, {"ok": False, "error": "not_in_channel"}))

    await slack.command(PRIYA, "/template", channel="C0RANDOM")

    refused = [c for c in slack.fake.calls if c.method == "chat.postEphemeral"]
    assert refused and refused[0].answer["error"] == "not_in_channel"
    assert len(slack.fake.posts(f"D{PRIYA}")) == 1


async def test_the_posters_own_thread_replies_are_flagged_not_offered_as_help(
    slack: Workspace,
) -> None:
    thread = await slack.share(LENA, ask_outcome_on="3d")
    await slack.say(PRIYA, "Ask for feedback.", thread=thread)
    await slack.say(LENA, "Thanks, doing that now.", thread=thread)
    assert (await slack.row_counts())["reply"] == 2

    await slack.wait(timedelta(days=3, hours=1))
    ask = next(c for c in slack.fake.posts(f"D{LENA}") if "turn out" in c.words)
    await slack.press(LENA, ask.button("It worked"), ask.ref)

    acted_on = next(b for b in slack.last_modal()["blocks"] if b["block_id"] == "acted_on")
    labels = [o["text"]["text"] for o in acted_on["element"]["options"]]
    assert len(labels) == 1 and "Ask for feedback" in labels[0]


async def test_a_reply_also_sent_to_the_channel_and_one_with_a_file_are_recorded(
    slack: Workspace,
) -> None:
    thread = await slack.share(LENA)
    thread_ts = thread.split(":")[1]

    def reply(user: str, text: str) -> dict[str, Any]:
        ts = slack.requests.next_ts()
        return slack.requests.message(user, text, SUPPORT, ts=ts, thread_ts=thread_ts)

    broadcast = reply(PRIYA, "Ask for feedback.")
    broadcast["subtype"] = "thread_broadcast"
    with_file = reply(DEV, "My notes from a similar call.")
    with_file |= {"subtype": "file_share", "files": [{"id": "F0NOTES", "name": "notes.pdf"}]}

    for event in (broadcast, with_file):
        await slack.event(event)

    assert (await slack.row_counts())["reply"] == 2
    assert (await slack.row_counts())["setback"] == 1  # the broadcast is no post of its own


async def test_a_best_answer_whose_permalink_fails_is_listed_as_text_not_lost(
    slack: Workspace,
) -> None:
    thread = await slack.share(LENA)
    tip = await slack.say(PRIYA, "Ask the recruiter for two lines of feedback.", thread=thread)
    slack.fake.script("chat.getPermalink", Scripted(500, {"ok": False, "error": "fatal_error"}))

    await slack.shortcut(LENA, "mark_best", tip)

    listed = _latest_edit(slack, thread).words
    assert "Ask the recruiter" in listed and "<https://" not in listed
    await slack.shortcut(LENA, "unmark_best", tip)
    await slack.shortcut(LENA, "mark_best", tip)  # the permalink is asked for again
    assert "<https://rebound-test.slack.com/archives/" in _latest_edit(slack, thread).words


async def test_a_refusal_in_a_thread_is_shown_in_that_thread(slack: Workspace) -> None:
    thread = await slack.share(LENA)
    thread_ts = thread.split(":")[1]
    tip = await slack.say(PRIYA, "Ask the recruiter for feedback.", thread=thread)

    shortcut = slack.requests.shortcut(DEV, "Dev", "mark_best", SUPPORT, tip.split(":")[1])
    shortcut["message"]["thread_ts"] = thread_ts  # as Slack sends it for a thread reply
    await slack.interact(shortcut)
    await slack.wait(timedelta(days=45))
    await slack.say(PRIYA, "Late advice.", thread=thread)

    refusals = slack.fake.of("chat.postEphemeral")[-2:]
    assert [(c.params["user"], c.channel) for c in refusals] == [(DEV, SUPPORT), (PRIYA, SUPPORT)]
    assert [c.params.get("thread_ts") for c in refusals] == [thread_ts, thread_ts]


async def test_an_unanswered_post_is_nudged_in_the_helpers_channel_with_its_link(
    slack: Workspace,
) -> None:
    thread = await slack.share(LENA, anonymous="yes", title="Ghosted <!here> after the panel")

    await slack.wait(timedelta(hours=25))

    (nudge,) = slack.fake.posts(HELPERS)
    stamp = thread.split(":")[1].replace(".", "")
    assert f"<https://rebound-test.slack.com/archives/{SUPPORT}/p{stamp}|" in nudge.words
    assert "<!here>" not in nudge.flat() and "&lt;!here" not in nudge.flat()
    assert "Lena" not in nudge.flat() and LENA not in nudge.flat()


async def test_a_post_with_more_replies_than_a_slack_menu_holds_gets_its_outcome_modal(
    slack: Workspace,
) -> None:
    thread = await slack.share(LENA, ask_outcome_on="3d")
    for n in range(105):
        await slack.say(PRIYA if n % 2 else DEV, f"Idea number {n}.", thread=thread)
    await slack.wait(timedelta(days=3, hours=1))
    ask = next(c for c in slack.fake.posts(f"D{LENA}") if "turn out" in c.words)

    await slack.press(LENA, ask.button("It worked"), ask.ref)

    (opened,) = [c for c in slack.fake.calls if c.method == "views.open"][-1:]
    assert opened.status == 200 and opened.answer["ok"], opened.answer
    assert opened.params["view"]["callback_id"].startswith("rb:form:outcome")


async def test_a_refusal_about_a_root_message_with_replies_stays_in_the_channel(
    slack: Workspace,
) -> None:
    thread = await slack.share(LENA, anonymous="yes")
    root_ts = thread.split(":")[1]
    await slack.say(PRIYA, "Ask for feedback.", thread=thread)
    relay = _root(slack, thread).button("Reply anonymously")

    pressed = slack.requests.button(DEV, "Dev", relay, SUPPORT, root_ts)
    pressed["message"]["thread_ts"] = root_ts  # a root with replies names its own thread
    await slack.interact(pressed)

    refusal = slack.fake.of("chat.postEphemeral")[-1]
    assert refusal.params["user"] == DEV and refusal.channel == SUPPORT
    assert refusal.params.get("thread_ts") is None
