"""Playing scripts against a toy core: order, labels, privacy, time and transcripts."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.console.app import run_script
from adapters.console.script import ScriptError, parse_script
from adapters.console.transcript import TextRenderer, Transcript
from bot.common.clock import ManualClock
from bot.contract.events import ButtonPressed, DirectMessageReceived, FormSubmitted, MessagePosted
from tests.adapters.console.console_fakes import PSEUDONYM, START, FakeCore, ToyCore

HEAD = """\
community: story
start: 2026-03-02T09:00:00Z
members:
  - {id: U1, name: Maya}
  - {id: U2, name: Jo}
  - {id: U9, name: Sam, moderator: true}
steps:
"""
STORY = (
    HEAD
    + """\
  - {as: Maya, command: setback}
  - {as: Maya, fill: {body: "I froze."}}
  - as: Maya
    fill: {title: Froze, body: "I froze.", stage: Panel or onsite, anonymous: yes,
           ask_outcome_on: 10d}
    label: post
  - {as: Jo, reply: {thread: post, text: "Ask for feedback."}, label: tip}
  - {as: Maya, dm: "Thanks, Jo!"}
  - {as: Jo, react: {message: tip, emoji: ":+1:"}}
  - {as: Maya, action: {name: mark_best, message: tip}}
  - {note: Ten days pass.}
  - {wait: 10d, label: ask}
  - {as: Maya, press: {button: It worked, message: ask}}
  - {as: Sam, reply: {thread: post, text: "Moderators may still write here."}}
"""
)


@pytest.fixture
def core() -> ToyCore:
    return ToyCore(ManualClock(START))


async def play(core: FakeCore, text: str = STORY) -> Transcript:
    return await run_script(parse_script(text, source="story.yaml"), core)


async def test_the_story_reaches_the_core_as_events(core: ToyCore) -> None:
    await play(core)
    assert core.communities[0][:2] == ("console:story", "console")
    submitted = [e for e in core.events if isinstance(e, FormSubmitted)]
    assert submitted[1].values["stage"] == "panel"
    assert submitted[1].values["anonymous"] == "yes"
    assert submitted[1].values["ask_outcome_on"] == "2026-03-12"
    reply = next(e for e in core.events if isinstance(e, MessagePosted))
    assert (reply.thread_ref, reply.text) == (core.root, "Ask for feedback.")
    assert any(isinstance(e, DirectMessageReceived) for e in core.events)
    assert isinstance(core.events[-2], ButtonPressed)


async def test_a_rejected_form_is_shown_and_can_be_filled_again(core: ToyCore) -> None:
    transcript = await play(core)
    errors = transcript.of_type("form_errors")
    assert errors[0]["errors"] == {"title": "Please add a title."}
    assert errors[0]["audience"] == ["Maya"]
    assert len(transcript.of_type("form_submitted")) == 2


async def test_a_members_message_is_shown_before_what_the_bot_does_with_it(core: ToyCore) -> None:
    transcript = await play(core)
    messages = transcript.of_type("message")
    dm = next(i for i, r in enumerate(messages) if r["text"] == "Thanks, Jo!")
    relayed = messages[dm + 1]
    assert messages[dm]["where"] == "DM @Maya"
    assert messages[dm]["audience"] == ["Maya"]
    assert relayed["author"] == PSEUDONYM
    assert relayed["where"] == f"#support > thread {core.root}"
    assert relayed["audience"] == ["everyone"]


async def test_message_records_have_the_documented_fields(core: ToyCore) -> None:
    transcript = await play(core)
    root = next(r for r in transcript.of_type("message") if r["id"] == core.root)
    assert root == {
        "type": "message",
        "step": 3,
        "time": "2026-03-02T09:00:00Z",
        "where": "#support",
        "audience": ["everyone"],
        "id": core.root,
        "author": PSEUDONYM,
        "text": "I froze.",
        "buttons": [],
        "links": [],
        "title": "Froze",
        "tags": ["Open"],
    }


async def test_labels_name_the_thread_a_form_started_and_the_bot_message_of_a_wait(
    core: ToyCore,
) -> None:
    transcript = await play(core)
    ask = next(r for r in transcript.of_type("message") if r["text"] == "How did it go?")
    press = transcript.of_type("press")[0]
    assert (press["message"], press["button"]) == (ask["id"], "It worked")
    assert ask["time"] == "2026-03-12T09:00:00Z"
    assert ask["buttons"] == ["It worked", "Still waiting"]


async def test_edits_tags_closing_notes_and_waits_are_recorded(core: ToyCore) -> None:
    transcript = await play(core)
    edit = transcript.of_type("edit")[0]
    assert (edit["id"], edit["links"]) == (
        core.root,
        [{"label": "Jo", "message": edit["links"][0]["message"]}],
    )
    assert transcript.of_type("tags")[0]["tags"] == ["Answered"]
    assert transcript.of_type("thread_closed")[0]["thread"] == core.root
    assert transcript.of_type("note")[0]["text"] == "Ten days pass."
    wait = transcript.of_type("wait")[0]
    assert (wait["duration"], wait["until"]) == ("10d", "2026-03-12T09:00:00Z")
    assert transcript.of_type("reaction")[0]["emoji"] == "+1"
    moderator = transcript.of_type("message")[-1]
    assert (moderator["author"], moderator["text"]) == ("Sam", "Moderators may still write here.")


async def test_waiting_ticks_every_hour_until_nothing_fires(core: ToyCore) -> None:
    await play(core)
    # One quiet tick per hour of the wait (each event ticks too, at its own moment).
    during = [t for t in core.ticks if START < t < START + timedelta(days=10)]
    assert len(during) == 10 * 24 - 1
    assert sorted(set(core.ticks)) == [START + timedelta(hours=h) for h in range(10 * 24 + 1)]
    assert core.clock.now() == START + timedelta(days=10)


async def test_the_transcript_is_json_lines_and_text(core: ToyCore, tmp_path: Path) -> None:
    transcript = await play(core)
    out = tmp_path / "t.jsonl"
    transcript.write_jsonl(out)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == transcript.records
    text = transcript.render_text()
    assert "=== 2026-03-02 Mon ===" in text
    assert f"09:00 {core.root} #support | {PSEUDONYM}" in text
    assert "[1] It worked  [2] Still waiting" in text
    assert "-- Ten days pass." in text
    assert "! title: Please add a title." in text


@pytest.mark.parametrize(
    ("step", "problem"),
    [
        ("{as: Jo, fill: {title: x}}", "step 2 (fill): Jo has no form open to fill"),
        (
            "{as: Jo, press: Nope}",
            "step 2 (press): Jo has no button 'Nope' on any message they can see",
        ),
        ("{as: Jo, react: {message: m99, emoji: x}}", "step 2 (react): there is no message 'm99'"),
        (
            "{as: Jo, edit: {message: m1, text: x}}",
            "step 2 (edit): message m1 is not Jo's to change",
        ),
    ],
)
async def test_a_step_the_world_refuses_is_a_script_error(step: str, problem: str) -> None:
    text = HEAD + f"  - {{as: Maya, say: first}}\n  - {step}\n"
    with pytest.raises(ScriptError) as caught:
        await play(FakeCore(ManualClock(START)), text)
    assert str(caught.value).startswith(f"story.yaml: {problem}"), str(caught.value)


async def test_a_closed_thread_stops_members_with_a_script_error(core: ToyCore) -> None:
    text = STORY + "  - {as: Jo, reply: {thread: post, text: late}}\n"
    with pytest.raises(ScriptError, match=r"step 12 \(reply\): the thread m\d+ is closed"):
        await play(core, text)


async def test_a_label_on_a_step_that_posts_nothing_is_a_script_error() -> None:
    text = HEAD + "  - {wait: 1h, label: quiet}\n"
    with pytest.raises(ScriptError, match=r"step 1 \(wait\): the step's label has nothing to name"):
        await play(FakeCore(ManualClock(START)), text)


async def test_the_console_needs_a_manual_clock() -> None:
    class Wall:
        def now(self):  # type: ignore[no-untyped-def]
            return START

    core = FakeCore(ManualClock(START))
    core.clock = Wall()  # type: ignore[assignment]
    with pytest.raises(TypeError, match="ManualClock"):
        await play(core)


async def test_members_with_the_same_form_open_each_fill_their_own(core: ToyCore) -> None:
    text = HEAD + (
        "  - {as: Maya, command: setback}\n"
        "  - {as: Jo, command: setback}\n"
        "  - {as: Maya, fill: {body: no title}}\n"
        "  - {as: Maya, fill: {title: Mine, body: x}}\n"
        "  - {as: Jo, fill: {title: Yours, body: y}}\n"
    )
    transcript = await play(core, text)
    assert transcript.of_type("form_errors")[0]["audience"] == ["Maya"]
    submitted = [(r["author"], r["values"]["title"]) for r in transcript.of_type("form_submitted")]
    assert submitted == [("Maya", ""), ("Maya", "Mine"), ("Jo", "Yours")]


async def test_a_removed_reaction_reads_as_removed(core: ToyCore) -> None:
    text = HEAD + (
        "  - {as: Maya, say: hi}\n"
        "  - {as: Jo, react: {message: m1, emoji: '+1'}}\n"
        "  - {as: Jo, unreact: {message: m1, emoji: ':+1:'}}\n"
    )
    transcript = await play(core, text)
    assert [r["removed"] for r in transcript.of_type("reaction")] == [False, True]
    lines = transcript.render_text().splitlines()
    assert lines[-2].endswith("#support | Jo :+1: m1")
    assert lines[-1].endswith("#support | Jo removed :+1: from m1")


async def test_a_submitted_form_reads_as_labels_and_a_closed_thread_as_words(
    core: ToyCore,
) -> None:
    text = (await play(core)).render_text()
    assert '09:00 #support (only Maya) | Maya> submitted "Share a setback"' in text
    assert "      A short title: Froze\n      What happened: I froze.\n" in text
    assert "      How far you got: Panel or onsite\n      Post anonymously: yes\n" in text
    assert "values" not in text
    assert f"#support > thread {core.root} | thread closed" in text


async def test_a_script_that_stops_part_way_keeps_its_transcript(core: ToyCore) -> None:
    text = STORY + "  - {as: Jo, reply: {thread: post, text: late}}\n"
    with pytest.raises(ScriptError) as caught:
        await play(core, text)
    partial = caught.value.transcript
    assert partial is not None
    assert partial.of_type("thread_closed")
    assert partial.records[-1]["step"] == 11


def test_a_root_is_shown_with_its_title_once_then_links_tags_and_buttons() -> None:
    record = {
        "type": "message",
        "time": "2026-03-02T09:00:00Z",
        "where": "#support",
        "id": "m1",
        "author": "Rebound",
        "title": "Froze",
        "text": "Froze\nI froze.\nBest answers:",
        "tags": ["Answered"],
        "buttons": ["Appreciate"],
        "links": [{"label": "Jo", "message": "m3"}],
    }
    assert TextRenderer().lines(record)[1:] == [
        "      Froze",
        "      I froze.",
        "      Best answers:",
        "      -> Jo (m3)",
        "      tags: Answered",
        "      [1] Appreciate",
    ]
    untitled = TextRenderer().lines({**record, "text": "I froze."})
    assert untitled[1:3] == ["      # Froze", "      I froze."]
