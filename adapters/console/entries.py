"""The console platform's log: one frozen entry per thing that happened, in order.

Entries keep the shown place (`where`) and the audience as strings, so the transcript
is a plain conversion that needs no further look-ups.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from adapters.console.places import Place
from bot.api import Button, Form, Link

EVERYONE = "everyone"


@dataclass(frozen=True, kw_only=True)
class ConsoleMessage:
    """A message as the platform holds it; edits replace it with a new value."""

    id: str
    time: datetime
    place: Place
    author: str
    author_id: str | None  # the member who wrote it; None for the bot
    text: str
    title: str = ""
    tags: tuple[str, ...] = ()
    buttons: tuple[Button, ...] = ()
    links: tuple[Link, ...] = ()
    only: str | None = None  # an ephemeral notice: the one user id who sees it
    deleted: bool = False

    @property
    def by_bot(self) -> bool:
        return self.author_id is None


@dataclass(frozen=True, kw_only=True)
class Entry:
    step: int
    time: datetime


@dataclass(frozen=True, kw_only=True)
class Seen(Entry):
    """Something shown somewhere, to an audience (`everyone` or member names)."""

    where: str
    audience: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Posted(Seen):
    message: ConsoleMessage


@dataclass(frozen=True, kw_only=True)
class Edited(Seen):
    message: ConsoleMessage


@dataclass(frozen=True, kw_only=True)
class Deleted(Seen):
    message_id: str
    author: str


@dataclass(frozen=True, kw_only=True)
class Reacted(Seen):
    message_id: str
    author: str
    emoji: str
    removed: bool = False


@dataclass(frozen=True, kw_only=True)
class Commanded(Seen):
    author: str
    command: str
    text: str


@dataclass(frozen=True, kw_only=True)
class Pressed(Seen):
    author: str
    message_id: str
    button: str


@dataclass(frozen=True, kw_only=True)
class ActionInvoked(Seen):
    author: str
    action: str
    message_id: str


@dataclass(frozen=True, kw_only=True)
class FormShown(Seen):
    form: Form


@dataclass(frozen=True, kw_only=True)
class FormAnswered(Seen):
    author: str
    form: Form
    values: Mapping[str, str | tuple[str, ...]]


@dataclass(frozen=True, kw_only=True)
class FormRejected(Seen):
    form: Form
    errors: Mapping[str, str]


@dataclass(frozen=True, kw_only=True)
class ThreadClosed(Seen):
    thread_ref: str


@dataclass(frozen=True, kw_only=True)
class TagsSet(Seen):
    thread_ref: str
    tags: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class TimePassed(Entry):
    """The clock moved from `time` to `until`; what fell due is logged after this."""

    duration: timedelta
    until: datetime


@dataclass(frozen=True, kw_only=True)
class Noted(Entry):
    """A narrator line from a script's `note` step."""

    text: str
