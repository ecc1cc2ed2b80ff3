"""Script loading: a good script becomes steps; a bad one names its step and problem."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.console.script import ScriptError, load_script, parse_script
from adapters.console.steps import Action, Command, Fill, Press, Reply, Say, Wait

ROOT = Path(__file__).resolve().parents[3]
HEAD = """\
community: demo
start: 2026-03-02T09:00:00Z
members:
  - {id: U1, name: Maya}
  - {id: U2, name: Jo}
  - {id: U9, name: Sam, moderator: true}
steps:
"""


def script(*steps: str) -> str:
    return HEAD + "".join(f"  - {step}\n" for step in steps)


def test_a_good_script_becomes_steps() -> None:
    parsed = parse_script(
        script(
            "{as: Maya, command: setback}",
            "{as: Maya, fill: {title: T, anonymous: yes}, label: post1}",
            "{as: jo, reply: {thread: post1, text: Try this}, label: tip1}",
            "{as: Maya, action: {name: mark_best, message: tip1}}",
            "{as: Maya, press: {button: It worked, in: dm}}",
            "{as: Sam, say: {in: '#helpers', text: Hello}}",
            "{wait: 1w2d}",
        )
    )
    assert parsed.community == "demo"
    assert [m.display_name for m in parsed.members] == ["Maya", "Jo", "Sam"]
    assert parsed.members[2].is_moderator
    assert parsed.steps[0] == Command(number=1, actor="Maya", name="setback")
    assert parsed.steps[1] == Fill(
        number=2, actor="Maya", label="post1", values={"title": "T", "anonymous": True}
    )
    assert parsed.steps[2] == Reply(
        number=3, actor="Jo", label="tip1", thread="post1", text="Try this"
    )
    assert parsed.steps[3] == Action(number=4, actor="Maya", name="mark_best", message="tip1")
    assert parsed.steps[4] == Press(number=5, actor="Maya", button="It worked", place="dm")
    assert parsed.steps[5] == Say(number=6, actor="Sam", text="Hello", channel="helpers")
    assert parsed.steps[6] == Wait(number=7, duration=timedelta(days=9))


def test_short_forms_and_defaults() -> None:
    parsed = parse_script(
        "members: [{id: U1, name: Maya}]\nsteps:\n"
        "  - {as: Maya, command: /setback now please}\n"
        "  - {as: Maya, press: Stop asking}\n"
    )
    assert parsed.community == "demo"
    assert parsed.start.isoformat() == "2026-03-02T09:00:00+00:00"
    assert parsed.tick_every == timedelta(hours=1)
    assert parsed.settings.helpers_channel == "helpers"
    assert parsed.steps[0] == Command(number=1, actor="Maya", name="setback", text="now please")
    assert parsed.steps[1] == Press(number=2, actor="Maya", button="Stop asking")


def test_settings_override_the_console_defaults() -> None:
    parsed = parse_script(
        "settings: {outcome_after_days: 7, helpers_channel: null}\n"
        "members: [{id: U1, name: Maya}]\nsteps: [{note: hi}]\n"
    )
    assert parsed.settings.outcome_after_days == 7
    assert parsed.settings.helpers_channel is None


@pytest.mark.parametrize(
    ("step", "problem"),
    [
        ("{as: Mia, say: hi}", "step 1 (say): unknown member 'Mia' (members: Maya, Jo, Sam)"),
        (
            "{as: Jo, reply: {thread: post9, text: hi}}",
            "step 1 (reply): thread: unknown label 'post9' (labels so far: none yet)",
        ),
        ("{as: Jo, shout: hi}", "step 1: unknown step type 'shout' (known: command, fill, say"),
        ("{as: Jo, reply: {thread: m1}}", "step 1 (reply): this step is missing the field 'text'"),
        ("{say: hi}", "step 1 (say): missing field 'as' (which member does this?)"),
        ("{wait: 3 days}", "step 1 (wait): wait: bad duration '3 days': write it like 3d, 12h"),
        ("{wait: 0d}", "step 1 (wait): wait: bad duration '0d': it must be longer than zero"),
        ("{wait: 3}", "step 1 (wait): wait: bad duration '3'"),
        ("{as: Jo, wait: 1d}", "step 1 (wait): this step is not done by a member: remove 'as'"),
        ("{as: Jo, say: hi, dm: hi}", "step 1: a step does one thing, but this one has say and dm"),
        ("{as: Jo}", "step 1: no step type given (one of: command, fill"),
        (
            "{as: Jo, say: {text: hi, in: random}}",
            "step 1 (say): unknown channel 'random' (channels: support, helpers, moderators)",
        ),
        ("{as: Jo, press: {label: OK}}", "step 1 (press): name the button with 'button:'"),
        (
            "{as: Jo, press: {button: 2}}",
            "step 1 (press): pressing a button by number needs 'message:'",
        ),
        (
            "{as: Jo, press: {button: OK, colour: red}}",
            "step 1 (press): this step has an unknown field 'colour'",
        ),
        ("{as: Jo, say: ''}", "step 1 (say): say is empty"),
        (
            "{as: Jo, say: hi, label: m3}",
            "step 1 (say): label 'm3' would be confused with a message id",
        ),
        (
            "{note: hi, label: x}",
            "step 1 (note): a note creates no message, so it cannot have a label",
        ),
        (
            "{as: Jo, fill: {title: {a: b}}}",
            "step 1 (fill): field 'title': give text, yes/no, or a list",
        ),
        (
            "{as: Jo, react: {message: m1}}",
            "step 1 (react): this step is missing the field 'emoji'",
        ),
        ("just text", "step 1: a step must be a mapping"),
        ("{as: Jo, yes: hi}", "step 1: unknown step type 'yes'"),
        (
            "{as: Jo, react: {message: m1, emoji: '::'}}",
            "step 1 (react): emoji: '::' is not an emoji",
        ),
        (
            "{as: Jo, unreact: {message: m1, emoji: 'a b'}}",
            "step 1 (unreact): emoji: 'a b' is not an emoji",
        ),
        ("{wait: 999999999999d}", "step 1 (wait): wait: bad duration '999999999999d': it can be"),
        ("{wait: 99999999d}", "step 1 (wait): wait: bad duration '99999999d': it can be at most"),
    ],
)
def test_a_bad_step_is_named_with_its_problem(step: str, problem: str) -> None:
    with pytest.raises(ScriptError) as caught:
        parse_script(script(step), source="s.yaml")
    assert str(caught.value).startswith(f"s.yaml: {problem}"), str(caught.value)


def test_a_wait_that_needs_too_many_ticks_is_refused() -> None:
    text = script("{wait: 2d}").replace("steps:", "tick_every: 1s\nsteps:")
    with pytest.raises(ScriptError, match=r"step 1 \(wait\): waiting 2d in steps of tick_every 1s"):
        parse_script(text)
    assert parse_script(script("{wait: 3650d}")).steps[0] == Wait(
        number=1, duration=timedelta(days=3650)
    )


def test_a_label_cannot_be_used_before_or_twice() -> None:
    with pytest.raises(
        ScriptError, match=r"step 2 \(say\): label 'a' is already used by an earlier step"
    ):
        parse_script(script("{as: Jo, say: hi, label: a}", "{as: Jo, say: hi, label: a}"))
    with pytest.raises(ScriptError, match=r"step 1 \(react\): message: unknown label 'b'"):
        parse_script(
            script("{as: Jo, react: {message: b, emoji: x}}", "{as: Jo, say: hi, label: b}")
        )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("members: [{id: U1, name: Maya}]\n", "the script is missing the field 'steps'"),
        ("steps: [{note: x}]\n", "the script is missing the field 'members'"),
        ("members: []\nsteps: [{note: x}]\n", "members must be a list with at least one member"),
        (
            "members: [{id: U1}]\nsteps: [{note: x}]\n",
            "members[1]: a member is missing the field 'name'",
        ),
        (
            "members: [{id: U1, name: A}, {id: U1, name: B}]\nsteps: [{note: x}]\n",
            "members[2]: the id 'U1' is used twice",
        ),
        (
            "members: [{id: U1, name: A, moderator: maybe}]\nsteps: [{note: x}]\n",
            "members[1]: moderator must be true or false",
        ),
        (
            "start: 2026-03-02T09:00:00\nmembers: [{id: U1, name: A}]\nsteps: [{note: x}]\n",
            "start needs a time zone",
        ),
        (
            "start: soon\nmembers: [{id: U1, name: A}]\nsteps: [{note: x}]\n",
            "start 'soon' is not a time",
        ),
        (
            "settings: {colour: red}\nmembers: [{id: U1, name: A}]\nsteps: [{note: x}]\n",
            "settings has an unknown field 'colour'",
        ),
        (
            "settings: {snooze_days: -1}\nmembers: [{id: U1, name: A}]\nsteps: [{note: x}]\n",
            "settings.snooze_days must be a whole number above zero",
        ),
        (
            "community: Big Demo\nmembers: [{id: U1, name: A}]\nsteps: [{note: x}]\n",
            "community 'Big Demo': use lower-case",
        ),
        ("steps: [{note: x}]\nsteps: []\n", "not valid YAML: key 'steps' given twice (line 2)"),
        ("members: [\n", "not valid YAML:"),
        ("- just\n- a list\n", "the script must be a mapping"),
    ],
)
def test_a_bad_script_names_its_problem(text: str, problem: str) -> None:
    with pytest.raises(ScriptError) as caught:
        parse_script(text, source="s.yaml")
    assert str(caught.value).startswith(f"s.yaml: {problem}"), str(caught.value)


def test_a_missing_file_is_a_script_error(tmp_path: Path) -> None:
    with pytest.raises(ScriptError, match="cannot read it"):
        load_script(tmp_path / "nope.yaml")


def test_the_shipped_example_is_valid() -> None:
    example = load_script(ROOT / "adapters/console/examples/panel_freeze.yaml")
    assert example.steps


def test_the_scripts_in_the_docs_are_valid() -> None:
    docs = (ROOT / "docs/console.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", docs, flags=re.DOTALL)
    full = [block for block in blocks if block.startswith(("community:", "#"))]
    assert full, "docs/console.md should contain a complete example script"
    for block in full:
        parse_script(block, source="docs/console.md")
