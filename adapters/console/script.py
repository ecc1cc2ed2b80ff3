"""Console scripts: a YAML scenario of member actions and waits, loaded and checked.

`load_script` reports every problem as a `ScriptError` naming the file, the step
number and what is wrong, never as a traceback. Step semantics live in `runner.py`;
the format is documented in docs/console.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, get_type_hints

import yaml

from adapters.console.community import CONSOLE_SETTINGS, channels_of
from adapters.console.durations import DurationError, format_duration, parse_duration
from adapters.console.steps import (
    Action,
    Command,
    Delete,
    Dm,
    Edit,
    Fill,
    Note,
    Press,
    React,
    Reply,
    Say,
    Script,
    Step,
    Wait,
)
from adapters.console.transcript import Transcript
from adapters.console.world import DM, WorldError, emoji_name
from bot.api import CommunitySettings, Member

DEFAULT_START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DEFAULT_TICK = "1h"

MESSAGE_ID = re.compile(r"m\d+")
_LABEL = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_COMMUNITY = re.compile(r"[a-z0-9][a-z0-9_-]*")
MAX_TICKS_PER_WAIT = 100_000


class ScriptError(Exception):
    """A script that cannot be played; the message says where and why.

    If it stopped part-way, `transcript` holds what everyone saw up to that point."""

    def __init__(self, message: str, transcript: Transcript | None = None) -> None:
        super().__init__(message)
        self.transcript = transcript


# Loading ----------------------------------------------------------------------------------


class _StrictLoader(yaml.SafeLoader):
    """Safe YAML that refuses a key given twice (PyYAML would keep the last silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        node.value = [(_as_written(key), value) for key, value in node.value]
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                line = key_node.start_mark.line + 1
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} given twice (line {line})", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _as_written(key: yaml.Node) -> yaml.Node:
    """A plain key as text, as written: `yes:` is the key 'yes', not True."""
    if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
        return yaml.ScalarNode("tag:yaml.org,2002:str", key.value, key.start_mark, key.end_mark)
    return key


def load_script(path: Path) -> Script:
    """Read and check a script file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScriptError(f"{path}: cannot read it ({exc})") from None
    return parse_script(text, source=str(path))


def parse_script(text: str, source: str = "<script>") -> Script:
    """Check a script given as YAML text; `source` names it in error messages."""
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # a SafeLoader: plain data only
    except yaml.YAMLError as exc:
        raise ScriptError(f"{source}: not valid YAML: {_yaml_problem(exc)}") from None
    return _ScriptParser(source).parse(data)


def _yaml_problem(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        return f"{exc.problem} (line {exc.problem_mark.line + 1})"
    return str(exc)


_TOP_LEVEL = ("community", "start", "members", "settings", "tick_every", "steps")
_MEMBER_KEYS = ("id", "name", "moderator")
_MODIFIERS = ("as", "label")


class _ScriptParser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.members: dict[str, Member] = {}
        self.channels: tuple[str, ...] = ()
        self.labels: list[str] = []
        self.where = ""
        self.tick = parse_duration(DEFAULT_TICK)

    def fail(self, problem: str) -> ScriptError:
        return ScriptError(f"{self.source}: {self.where}{problem}")

    def parse(self, data: object) -> Script:
        top = self.mapping(data, "the script", required=("members", "steps"), allowed=_TOP_LEVEL)
        community = self.text(top.get("community", "demo"), "community")
        if not _COMMUNITY.fullmatch(community):
            raise self.fail(f"community {community!r}: use lower-case letters, digits, - and _")
        settings = self.settings(top.get("settings", {}))
        self.channels = channels_of(settings)
        members = self.member_list(top["members"])
        self.tick = self.duration(top.get("tick_every", DEFAULT_TICK), "tick_every")
        start = self.start(top.get("start", DEFAULT_START))
        steps = self.step_list(top["steps"])
        return Script(
            source=self.source,
            community=community,
            start=start,
            members=members,
            settings=settings,
            tick_every=self.tick,
            steps=steps,
        )

    # Generic checks -----------------------------------------------------------------------

    def mapping(
        self,
        value: object,
        what: str,
        *,
        required: tuple[str, ...] = (),
        allowed: tuple[str, ...] = (),
    ) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(f"{what} must be a mapping (key: value)")
        for key in value:
            if allowed and key not in allowed:
                raise self.fail(
                    f"{what} has an unknown field {key!r} (known: {', '.join(allowed)})"
                )
        for key in required:
            if key not in value:
                raise self.fail(f"{what} is missing the field {key!r}")
        return {str(key): item for key, item in value.items()}

    def text(self, value: object, what: str) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.fail(f"{what} must be text")
        text = str(value)
        if not text.strip():
            raise self.fail(f"{what} is empty")
        return text

    def duration(self, value: object, what: str) -> timedelta:
        try:
            return parse_duration(self.text(value, what))
        except DurationError as exc:
            raise self.fail(f"{what}: {exc}") from None

    def start(self, value: object) -> datetime:
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                raise self.fail(
                    f"start {value!r} is not a time like 2026-03-02T09:00:00Z"
                ) from None
        if not isinstance(value, datetime):
            raise self.fail("start must be a time like 2026-03-02T09:00:00Z")
        if value.tzinfo is None:
            raise self.fail("start needs a time zone, e.g. 2026-03-02T09:00:00Z")
        return value.astimezone(UTC)

    def settings(self, value: object) -> CommunitySettings:
        known = {f.name for f in fields(CommunitySettings)}
        given = self.mapping(value, "settings", allowed=tuple(sorted(known)))
        hints = get_type_hints(CommunitySettings)
        for name, item in given.items():
            if not _fits(hints[name], item):
                raise self.fail(f"settings.{name} must be {_type_name(hints[name])}")
        return CommunitySettings(**{**vars(CONSOLE_SETTINGS), **given})

    def member_list(self, value: object) -> tuple[Member, ...]:
        if not isinstance(value, list) or not value:
            raise self.fail("members must be a list with at least one member")
        for index, item in enumerate(value, start=1):
            self.where = f"members[{index}]: "
            entry = self.mapping(item, "a member", required=("id", "name"), allowed=_MEMBER_KEYS)
            moderator = entry.get("moderator", False)
            if not isinstance(moderator, bool):
                raise self.fail("moderator must be true or false")
            member = Member(
                user_id=self.text(entry["id"], "id"),
                display_name=self.text(entry["name"], "name").strip(),
                is_moderator=moderator,
            )
            if any(m.user_id == member.user_id for m in self.members.values()):
                raise self.fail(f"the id {member.user_id!r} is used twice")
            if member.display_name.casefold() in self.members:
                raise self.fail(f"the name {member.display_name!r} is used twice")
            self.members[member.display_name.casefold()] = member
        self.where = ""
        return tuple(self.members.values())

    # Steps --------------------------------------------------------------------------------

    def step_list(self, value: object) -> tuple[Step, ...]:
        if not isinstance(value, list) or not value:
            raise self.fail("steps must be a list with at least one step")
        steps = []
        for number, item in enumerate(value, start=1):
            self.where = f"step {number}: "
            steps.append(self.step(number, item))
        self.where = ""
        return tuple(steps)

    def step(self, number: int, item: object) -> Step:
        body = self.mapping(item, "a step")
        kinds = [key for key in body if key not in _MODIFIERS]
        if not kinds:
            raise self.fail(f"no step type given (one of: {', '.join(_PARSERS)})")
        if len(kinds) > 1:
            raise self.fail(f"a step does one thing, but this one has {' and '.join(kinds)}")
        kind = kinds[0]
        if kind not in _PARSERS:
            raise self.fail(f"unknown step type {kind!r} (known: {', '.join(_PARSERS)})")
        self.where = f"step {number} ({kind}): "
        parser, by_member = _PARSERS[kind]
        actor = self.actor(body.get("as"), by_member)
        label = self.new_label(body.get("label"), kind)
        step = parser(self, body[kind], {"number": number, "actor": actor, "label": label})
        if label is not None:
            self.labels.append(label)
        return step

    def actor(self, value: object, by_member: bool) -> str | None:
        if not by_member:
            if value is not None:
                raise self.fail("this step is not done by a member: remove 'as'")
            return None
        if value is None:
            raise self.fail("missing field 'as' (which member does this?)")
        name = self.text(value, "as").strip()
        member = self.members.get(name.casefold())
        if member is None:
            known = ", ".join(m.display_name for m in self.members.values())
            raise self.fail(f"unknown member {name!r} (members: {known})")
        return member.display_name

    def new_label(self, value: object, kind: str) -> str | None:
        if value is None:
            return None
        if kind == "note":
            raise self.fail("a note creates no message, so it cannot have a label")
        label = self.text(value, "label")
        if not _LABEL.fullmatch(label):
            raise self.fail(
                f"label {label!r}: use letters, digits, - and _, starting with a letter"
            )
        if MESSAGE_ID.fullmatch(label) or label in (DM, *self.channels):
            raise self.fail(f"label {label!r} would be confused with a message id or a place")
        if label in self.labels:
            raise self.fail(f"label {label!r} is already used by an earlier step")
        return label

    def ref(self, value: object, what: str) -> str:
        """A message reference: a label set by an earlier step, or a message id like m7."""
        ref = self.text(value, what).strip()
        if MESSAGE_ID.fullmatch(ref) or ref in self.labels:
            return ref
        known = ", ".join(self.labels) or "none yet"
        raise self.fail(f"{what}: unknown label {ref!r} (labels so far: {known})")

    def place(self, value: object, what: str) -> str:
        """`dm`, a channel name (with or without #), or a thread's label or message id."""
        place = self.text(value, what).strip().lstrip("#")
        if place in (DM, *self.channels):
            return place
        return self.ref(place, what)

    def fields_of(
        self, value: object, required: tuple[str, ...], optional: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        return self.mapping(value, "this step", required=required, allowed=required + optional)


StepParser = Callable[[_ScriptParser, object, dict[str, Any]], Step]


def _command(p: _ScriptParser, value: object, base: dict[str, Any]) -> Step:
    if isinstance(value, str):
        name, _, text = value.strip().lstrip("/").partition(" ")
        return Command(**base, name=p.text(name, "command"), text=text.strip())
    body = p.fields_of(value, ("name",), ("text", "in"))
    place = p.place(body["in"], "in") if "in" in body else None
    text = str(body.get("text", ""))
    return Command(**base, name=p.text(body["name"], "name").lstrip("/"), text=text, place=place)


def _fill(p: _ScriptParser, value: object, base: dict[str, Any]) -> Step:
    answers = p.mapping(value, "fill")
    for name, answer in answers.items():
        if isinstance(answer, dict):
            raise p.fail(f"field {name!r}: give text, yes/no, or a list, not a mapping")
    return Fill(**base, values=answers)


def _say(p: _ScriptParser, value: object, base: dict[str, Any]) -> Step:
    if not isinstance(value, dict):
        return Say(**base, text=p.text(value, "say"))
    body = p.fields_of(value, ("text",), ("in",))
    channel = None
    if "in" in body:
        channel = p.text(body["in"], "in").strip().lstrip("#")
        if channel not in p.channels:
            raise p.fail(f"unknown channel {channel!r} (channels: {', '.join(p.channels)})")
    return Say(**base, text=p.text(body["text"], "text"), channel=channel)


def _reply(p: _ScriptParser, value: object, base: dict[str, Any]) -> Step:
    body = p.fields_of(value, ("thread", "text"))
    return Reply(**base, thread=p.ref(body["thread"], "thread"), text=p.text(body["text"], "text"))


def _dm(p: _ScriptParser, value: object, base: dict[str, Any]) -> Step:
    return Dm(**base, text=p.text(value, "dm"))


def _edit(p: _ScriptParser, value: object, base: dict[str, Any]) -> Step:
    body = p.fields_of(value, ("message", "text"))
    return Edit(
        **base, message=p.ref(body["message"], "message"), text=p.text(body["text"], "text")
    )


def _delete(p: _ScriptParser, value: object, base: dict[str, Any]) -> Step:
    return Delete(**base, message=p.ref(value, "delete"))


def _reaction(removed: bool) -> StepParser:
    def parse(p: _ScriptParser, value: object, base: dict[str, Any]) -> Step:
        body = p.fields_of(value, ("message", "emoji"))
        try:
            emoji = emoji_name(p.text(body["emoji"], "emoji"))
        except WorldError as exc:
            raise p.fail(f"emoji: {exc}") from None
        return React(
            **base, message=p.ref(body["message"], "message"), emoji=emoji, removed=removed
        )

    return parse


def _press(p: _ScriptParser, value: object, base: dict[str, Any]) -> Step:
    if not isinstance(value, dict):
        return Press(**base, button=p.text(value, "press"))
    if "label" in value and "button" not in value:
        raise p.fail("name the button with 'button:' (a step's own 'label:' names a message)")
    body = p.fields_of(value, ("button",), ("message", "in"))
    button = body["button"]
    if isinstance(button, int) and not isinstance(button, bool):
        if "message" not in body:
            raise p.fail("pressing a button by number needs 'message:' to say on which message")
        if button < 1:
            raise p.fail("button numbers start at 1")
    else:
        button = p.text(button, "button")
    message = p.ref(body["message"], "message") if "message" in body else None
    place = p.place(body["in"], "in") if "in" in body else None
    return Press(**base, button=button, message=message, place=place)


def _action(p: _ScriptParser, value: object, base: dict[str, Any]) -> Step:
    body = p.fields_of(value, ("name", "message"))
    name = p.text(body["name"], "name").strip()
    return Action(**base, name=name, message=p.ref(body["message"], "message"))


def _wait(p: _ScriptParser, value: object, base: dict[str, Any]) -> Step:
    duration = p.duration(value, "wait")
    if duration / p.tick > MAX_TICKS_PER_WAIT:
        raise p.fail(
            f"waiting {format_duration(duration)} in steps of tick_every "
            f"{format_duration(p.tick)} takes over {MAX_TICKS_PER_WAIT:,} ticks: "
            "wait less, or set a longer tick_every"
        )
    return Wait(**base, duration=duration)


def _note(p: _ScriptParser, value: object, base: dict[str, Any]) -> Step:
    return Note(**base, text=p.text(value, "note"))


_PARSERS: dict[str, tuple[StepParser, bool]] = {
    "command": (_command, True),
    "fill": (_fill, True),
    "say": (_say, True),
    "reply": (_reply, True),
    "dm": (_dm, True),
    "edit": (_edit, True),
    "delete": (_delete, True),
    "react": (_reaction(removed=False), True),
    "unreact": (_reaction(removed=True), True),
    "press": (_press, True),
    "action": (_action, True),
    "wait": (_wait, False),
    "note": (_note, False),
}
"""Step type -> (parser, whether a member does it)."""


def _fits(expected: object, item: object) -> bool:
    if expected is int:
        return isinstance(item, int) and not isinstance(item, bool) and item > 0
    if expected is str:
        return isinstance(item, str)
    return item is None or isinstance(item, str)


def _type_name(expected: object) -> str:
    if expected is int:
        return "a whole number above zero"
    if expected is str:
        return "text"
    return "text or null"
