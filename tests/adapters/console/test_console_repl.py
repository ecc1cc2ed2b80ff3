"""The interactive console: commands, forms field by field, and friendly refusals."""

from __future__ import annotations

from collections.abc import Iterable

from adapters.console.app import run_interactive
from bot.clock import ManualClock
from bot.events import ButtonPressed, CommandInvoked, FormSubmitted, MessageActionInvoked
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
        "Commands start with / (try /say TEXT, or /help).",
        "There is no /dance; /help lists the commands.",
        "! no member is called 'Mia' (members: Maya, Jo, Sam)",
        "! usage: /reply MSG TEXT",
        "! there is no message 'm9'",
        "! bad duration 'soon': write it like 3d, 12h, 1w2d or 90m",
        "! there is no button [4] among the latest shown",
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
