"""The interactive console: commands, forms field by field, and friendly refusals."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable

import pytest

from adapters.console.app import run_interactive
from adapters.console.bridge import open_session
from adapters.console.community import CONSOLE_SETTINGS
from adapters.console.repl import Repl, read_line
from bot.common.clock import ManualClock
from bot.contract.events import (
    ButtonPressed,
    CommandInvoked,
    FormSubmitted,
    MessageActionInvoked,
    MessagePosted,
)
from tests.adapters.console.console_fakes import MEMBERS, PSEUDONYM, START, ToyCore


class Terminal:
    """Feeds typed lines and keeps what was printed; runs out with EOF, like Ctrl-D."""

    def __init__(self, lines: Iterable[str]) -> None:
        self.lines = list(lines)
        self.prompts: list[str] = []
        self.out: list[str] = []

    async def read(self, prompt: str) -> str:
        self.prompts.append(prompt)
        if not self.lines:
            raise EOFError
        return self.lines.pop(0)

    def write(self, text: str) -> None:
        self.out.append(text)

    @property
    def text(self) -> str:
        return "\n".join(self.out)


async def session(lines: Iterable[str]) -> tuple[ToyCore, Terminal]:
    core = ToyCore(ManualClock(START))
    terminal = Terminal(lines)
    await run_interactive(
        core, members=MEMBERS, community="t", read=terminal.read, write=terminal.write
    )
    return core, terminal


POST = ["/post", "Froze", "I froze.", "2", "y", "10d"]


async def test_post_runs_the_form_field_by_field() -> None:
    core, terminal = await session(POST)
    assert isinstance(core.events[0], CommandInvoked)
    submitted = core.events[1]
    assert isinstance(submitted, FormSubmitted)
    assert dict(submitted.values) == {
        "title": "Froze",
        "body": "I froze.",
        "stage": "panel",
        "anonymous": "yes",
        "ask_outcome_on": "2026-03-12",
    }
    assert "09:00 #support (only Maya) | [Share a setback]" in terminal.out
    assert "  [2] Panel or onsite" in terminal.out
    assert "Your post is up." in terminal.text


async def test_a_bad_answer_is_asked_again_and_a_rejected_form_comes_back() -> None:
    lines = ["/post", "", "body", "onsite", "1", "", "", *POST[1:]]
    core, terminal = await session(lines)
    assert "! stage: 'onsite' is not one of the choices" in terminal.text
    assert "! title: Please add a title." in terminal.text
    submitted = [e for e in core.events if isinstance(e, FormSubmitted)]
    assert [s.values["title"] for s in submitted] == ["", "Froze"]


async def test_cancel_leaves_the_form_open_for_fill() -> None:
    core, terminal = await session(["/post", "/say hi", "/cancel", "/fill", *POST[1:]])
    assert "! answer the field first, or /cancel to leave the form open" in terminal.out
    assert "Form left open: /fill to come back to it." in terminal.out
    assert sum(isinstance(e, FormSubmitted) for e in core.events) == 1


async def test_members_take_turns_and_press_numbered_buttons() -> None:
    lines = [
        *POST,
        "/as Jo",
        "/reply m1 Ask for feedback.",
        "/as maya",
        "/best m3",
        "/wait 10d",
        "/press 1",
        "/members",
    ]
    core, terminal = await session(lines)
    assert any(isinstance(e, MessageActionInvoked) for e in core.events)
    assert isinstance(core.events[-1], ButtonPressed)
    assert "Update from the poster: it worked." in terminal.text
    assert "* Maya (U1)" in terminal.out
    assert "  Sam (U9, moderator)" in terminal.out
    assert terminal.prompts[-1] == "Maya> "


async def test_show_lists_only_what_the_member_can_see() -> None:
    _, terminal = await session([*POST, "/dm secret", "/as Jo", "/show"])
    shown = terminal.out[terminal.out.index("Now acting as Jo.") + 1 :]
    assert not any("DM @Maya" in line for line in shown)
    assert not any("(only Maya)" in line for line in shown)
    assert any("I froze." in line for line in shown)
    assert any(line.endswith(f"| {PSEUDONYM}") for line in shown)  # the relayed DM


async def test_bad_input_gets_a_friendly_line_and_the_prompt_comes_back() -> None:
    lines = [
        "hello",
        "/dance",
        "/as Mia",
        "/reply m1",
        "/reply m9 hi",
        "/wait soon",
        "/press 4",
        "/press Nope",
        "/fill",
        "/edit m9 x",
        "/quit",
        "/say never read",
    ]
    core, terminal = await session(lines)
    assert terminal.out[-10:] == [
        "! commands start with / (try /say TEXT, or /help)",
        "! there is no /dance; /help lists the commands",
        "! no member is called 'Mia' (members: Maya, Jo, Sam)",
        "! usage: /reply MSG TEXT",
        "! there is no message 'm9'",
        "! bad duration 'soon': write it like 3d, 12h, 1w2d or 90m",
        "! the last output has no numbered buttons (/show lists recent messages)",
        "! Maya has no button 'Nope' on any message they can see",
        "! Maya has no form open",
        "! there is no message 'm9'",
    ]
    assert core.events == []
    assert terminal.lines == ["/say never read"]


async def test_a_failing_core_is_reported_and_the_session_goes_on() -> None:
    core = ToyCore(ManualClock(START))

    def broken(event: object) -> list[object]:
        raise RuntimeError("database is locked")

    core.answer = broken  # type: ignore[assignment]
    terminal = Terminal(["/say hi", "/say again"])
    await run_interactive(core, members=MEMBERS, read=terminal.read, write=terminal.write)
    assert terminal.out.count("! the core failed: RuntimeError: database is locked") == 2
    assert core.communities[0][0].startswith("console:live-20260302-0900")


def _after(terminal: Terminal, line: str) -> list[str]:
    return terminal.out[terminal.out.index(line) + 1 :]


async def test_unsent_answers_stay_with_their_member_and_go_once_accepted() -> None:
    rejected = ["/post", "", "Maya's words", "1", "", "", "/cancel"]
    jo_posts = ["/as Jo", "/post", "Jo's title", "Jo's words", "", "", ""]
    again = ["/as Maya", "/fill", "Froze", "", "", "", "", "/post"]
    _, terminal = await session([*rejected, *jo_posts, *again])
    assert not any("Maya's words" in prompt for prompt in terminal.prompts[8:15])
    assert "  [Maya's words] > " in terminal.prompts[16:]  # her own answers come back to her
    assert terminal.prompts[-2:] == ["  > ", "Maya> "]  # posted, so the next form starts empty


async def test_a_default_choice_is_shown_by_its_label() -> None:
    _, terminal = await session(["/post", "", "body", "2", "", "", "T", "", ""])
    assert "  [Panel or onsite (2)] > " in terminal.prompts


async def test_end_of_input_in_a_form_leaves_it_open_and_quits() -> None:
    core, terminal = await session(["/post", "Froze"])
    assert terminal.out[-1] == "Form left open: /fill to come back to it."
    assert "failed" not in terminal.text
    assert not any(isinstance(e, FormSubmitted) for e in core.events)


async def test_ctrl_c_at_the_prompt_ends_the_console_at_once() -> None:
    core = ToyCore(ManualClock(START))

    async def never(prompt: str) -> str:
        await asyncio.Event().wait()
        return ""

    running = asyncio.create_task(
        run_interactive(core, members=MEMBERS, read=never, write=lambda _: None)
    )
    await asyncio.sleep(0)
    running.cancel()
    await asyncio.wait_for(running, timeout=1)  # returns instead of raising CancelledError
    assert not running.cancelled()


async def test_input_is_read_in_a_daemon_thread_that_cannot_hold_up_exit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    release = threading.Event()
    daemon: list[bool] = []

    def blocking_input(prompt: str) -> str:
        daemon.append(threading.current_thread().daemon)
        release.wait(timeout=5)
        return "late"

    monkeypatch.setattr("builtins.input", blocking_input)
    try:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(read_line("> "), timeout=0.05)
        assert daemon == [True]
    finally:
        release.set()


async def test_read_line_returns_a_typed_line_and_raises_eof(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("builtins.input", lambda prompt: f"typed at {prompt}")
    assert await read_line("> ") == "typed at > "

    def ctrl_d(prompt: str) -> str:
        raise EOFError

    monkeypatch.setattr("builtins.input", ctrl_d)
    with pytest.raises(EOFError):
        await read_line("> ")


async def test_button_numbers_count_only_the_last_output() -> None:
    lines = [*POST, "/wait 10d", "/members", "/press 1", "/show 1", "/press 3", "/show 1"]
    core, terminal = await session([*lines, "/press 1"])
    assert "! the last output has no numbered buttons (/show lists recent messages)" in terminal.out
    assert "! there is no button [3] in the last output" in terminal.out
    assert sum(isinstance(e, ButtonPressed) for e in core.events) == 1


@pytest.mark.parametrize("count", ["0", "abc", "-3"])
async def test_show_needs_a_number_above_zero(count: str) -> None:
    _, terminal = await session([f"/show {count}"])
    assert terminal.out[-1] == f"! {count!r} is not a number above zero (usage: /show [N])"


@pytest.mark.parametrize("emoji", ["::", "a b"])
async def test_an_empty_or_spaced_emoji_is_refused(emoji: str) -> None:
    core, terminal = await session(["/say hi", f"/react m1 {emoji}"])
    assert terminal.out[-1] == f"! {emoji!r} is not an emoji: write a name like +1 or :tada:"
    assert len(core.events) == 1


async def test_a_deleted_message_is_said_to_be_deleted() -> None:
    _, terminal = await session(["/say hi", "/delete m1", "/react m1 +1"])
    assert terminal.out[-1] == "! message m1 was deleted"


async def test_say_and_cmd_take_a_place_first() -> None:
    core, terminal = await session(["/say #helpers Hello helpers", "/cmd #dm setback", "/cancel"])
    assert any(line.endswith("#helpers | Maya") for line in terminal.out)
    assert "09:00 DM @Maya | Maya> /setback" in terminal.out
    posted = core.events[0]
    assert isinstance(posted, MessagePosted)
    assert (posted.channel_id, posted.text) == ("helpers", "Hello helpers")
    _, terminal = await session(["/say #dm hi", "/say #nowhere hi"])
    assert terminal.out[-2:] == [
        "! /say posts in a channel (support, helpers, moderators)",
        "! there is no message 'nowhere'",
    ]


async def test_the_consoles_own_failures_are_not_blamed_on_the_core() -> None:
    core = ToyCore(ManualClock(START))
    terminal = Terminal(["/members"])
    session_ = await open_session(core, community="t", members=MEMBERS, settings=CONSOLE_SETTINGS)
    repl = Repl(session_, read=terminal.read, write=terminal.write)

    async def broken(_: str) -> None:
        raise KeyError("oops")

    repl.commands["members"] = broken
    await repl.run()
    assert terminal.out[-1] == "! the console failed: KeyError: 'oops'"


async def test_template_is_a_shortcut_for_the_template_command() -> None:
    core, _ = await session(["/template thank_you_after_interview email british"])
    command = core.events[-1]
    assert isinstance(command, CommandInvoked)
    assert (command.command, command.text) == (
        "template",
        "thank_you_after_interview email british",
    )
