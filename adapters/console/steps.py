"""The steps of a console script, as plain values (loaded and checked by `script.py`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

from bot.api import CommunitySettings, Member


@dataclass(frozen=True, kw_only=True)
class Step:
    kind: ClassVar[str]
    number: int
    actor: str | None = None  # a member's name; None for `wait` and `note`
    label: str | None = None


@dataclass(frozen=True, kw_only=True)
class Command(Step):
    kind = "command"
    name: str
    text: str = ""
    place: str | None = None  # `dm`, a channel, or a thread's label/id


@dataclass(frozen=True, kw_only=True)
class Fill(Step):
    kind = "fill"
    values: Mapping[str, object]


@dataclass(frozen=True, kw_only=True)
class Say(Step):
    kind = "say"
    text: str
    channel: str | None = None


@dataclass(frozen=True, kw_only=True)
class Reply(Step):
    kind = "reply"
    thread: str
    text: str


@dataclass(frozen=True, kw_only=True)
class Dm(Step):
    kind = "dm"
    text: str


@dataclass(frozen=True, kw_only=True)
class Edit(Step):
    kind = "edit"
    message: str
    text: str


@dataclass(frozen=True, kw_only=True)
class Delete(Step):
    kind = "delete"
    message: str


@dataclass(frozen=True, kw_only=True)
class React(Step):
    kind = "react"
    message: str
    emoji: str
    removed: bool = False


@dataclass(frozen=True, kw_only=True)
class Press(Step):
    kind = "press"
    button: str | int
    message: str | None = None
    place: str | None = None


@dataclass(frozen=True, kw_only=True)
class Action(Step):
    kind = "action"
    name: str
    message: str


@dataclass(frozen=True, kw_only=True)
class Wait(Step):
    kind = "wait"
    duration: timedelta


@dataclass(frozen=True, kw_only=True)
class Note(Step):
    kind = "note"
    text: str


@dataclass(frozen=True, kw_only=True)
class Script:
    source: str
    community: str
    start: datetime
    members: tuple[Member, ...]
    settings: CommunitySettings
    tick_every: timedelta
    steps: tuple[Step, ...]
