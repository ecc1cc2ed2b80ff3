"""The simulated chat platform: members, channels, threads, DMs, forms and the log.

The world enforces what a real platform would (who sees what, locked threads, only
your own messages are yours to edit) and raises `WorldError` with a friendly line when
an action is refused. It never decides anything for the bot: that is the core's job.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TypedDict

from adapters.console.community import CONSOLE_SETTINGS, channels_of
from adapters.console.entries import (
    EVERYONE,
    ConsoleMessage,
    Entry,
    Noted,
    Posted,
    Reacted,
    TagsSet,
    ThreadClosed,
    TimePassed,
)
from adapters.console.places import InChannel, InDM, InThread, Place
from bot.api import Button, Clock, Form, Link, Member

BOT_NAME = "Rebound"
DM = "dm"


class WorldError(Exception):
    """The platform refuses an action; the message is a friendly one-liner."""


class Moment(TypedDict):
    step: int
    time: datetime


class Stamp(Moment):
    where: str
    audience: tuple[str, ...]


@dataclass
class ThreadState:
    root: str
    channel_id: str
    tags: tuple[str, ...] = ()
    closed: bool = False


class PendingForms:
    """Forms the core opened, and which one each member still has to fill.

    Several members may have the same form (same id) open at once, so forms are kept per
    member; a rejection names only the form, so it goes back to whoever last submitted it.
    """

    def __init__(self) -> None:
        self._opened: dict[tuple[str, str], Form] = {}
        self._pending: dict[str, str] = {}
        self._submitter: dict[str, str] = {}

    def open(self, user_id: str, form: Form) -> None:
        self._opened[user_id, form.form_id] = form
        self._pending[user_id] = form.form_id

    def pending(self, user_id: str) -> Form | None:
        form_id = self._pending.get(user_id)
        return None if form_id is None else self._opened[user_id, form_id]

    def take(self, user_id: str) -> Form:
        """The member's pending form, no longer pending (they are submitting it)."""
        form = self.pending(user_id)
        if form is None:
            raise WorldError("there is no form waiting to be filled")
        del self._pending[user_id]
        self._submitter[form.form_id] = user_id
        return form

    def reopen(self, form_id: str) -> tuple[str, Form]:
        """Make a submitted form pending again for its submitter; returns (user id, form)."""
        user_id = self._submitter.get(form_id)
        if user_id is None:
            raise WorldError(f"nobody has submitted a form {form_id!r}")
        self._pending[user_id] = form_id
        return user_id, self._opened[user_id, form_id]


class World:
    """One community on the simulated platform."""

    def __init__(
        self,
        clock: Clock,
        members: Iterable[Member] = (),
        channels: Iterable[str] = channels_of(CONSOLE_SETTINGS),
    ) -> None:
        self.clock = clock
        self.channels = tuple(channels)
        if not self.channels:
            raise ValueError("a world needs at least one channel")
        self.step = 0
        self.log: list[Entry] = []
        self.forms = PendingForms()
        self._members: dict[str, Member] = {}
        self._messages: dict[str, ConsoleMessage] = {}
        self._threads: dict[str, ThreadState] = {}
        self._reactions: set[tuple[str, str, str]] = set()
        self._last_place: dict[str, Place] = {}
        self._ids = itertools.count(1)
        for member in members:
            self.add_member(member)

    # Members ------------------------------------------------------------------------------

    @property
    def members(self) -> tuple[Member, ...]:
        return tuple(self._members.values())

    def add_member(self, member: Member) -> None:
        if member.user_id in self._members:
            raise WorldError(f"there is already a member with id {member.user_id}")
        if self._find_named(member.display_name) is not None:
            raise WorldError(f"there is already a member called {member.display_name}")
        self._members[member.user_id] = member

    def member(self, user_id: str) -> Member:
        try:
            return self._members[user_id]
        except KeyError:
            raise WorldError(f"no member has the id {user_id!r}") from None

    def member_named(self, name: str) -> Member:
        member = self._find_named(name)
        if member is None:
            known = ", ".join(m.display_name for m in self.members)
            raise WorldError(f"no member is called {name!r} (members: {known})")
        return member

    def _find_named(self, name: str) -> Member | None:
        wanted = name.strip().lstrip("@").casefold()
        return next((m for m in self.members if m.display_name.casefold() == wanted), None)

    # Places -------------------------------------------------------------------------------

    def check_place(self, place: Place) -> None:
        match place:
            case InChannel(channel_id) if channel_id not in self.channels:
                raise WorldError(f"there is no channel #{channel_id}")
            case InThread(_, root):
                self.thread(root)
            case InDM(user_id):
                self.member(user_id)

    def place_named(self, name: str, member: Member) -> Place:
        """`dm` (the member's DM with the bot), a channel, or the thread of a message id."""
        name = name.strip().lstrip("#")
        if name == DM:
            return InDM(member.user_id)
        if name in self.channels:
            return InChannel(name)
        return self.thread_place(name)

    def where(self, place: Place, only: str | None = None) -> str:
        """The place as a transcript shows it: `#support > thread m3`, `DM @Maya`."""
        match place:
            case InChannel(channel_id):
                shown = f"#{channel_id}"
            case InThread(channel_id, root):
                shown = f"#{channel_id} > thread {root}"
            case InDM(user_id):
                return f"DM @{self.member(user_id).display_name}"
        return shown if only is None else f"{shown} (only {self.member(only).display_name})"

    def audience(self, place: Place, only: str | None = None) -> tuple[str, ...]:
        if only is not None:
            return (self.member(only).display_name,)
        if isinstance(place, InDM):
            return (self.member(place.user_id).display_name,)
        return (EVERYONE,)

    def acted_at(self, user_id: str, place: Place) -> None:
        """Remember where a member last acted: their ephemeral notices appear there."""
        self._last_place[user_id] = place

    def place_of(self, user_id: str) -> Place:
        return self._last_place.get(user_id, InChannel(self.channels[0]))

    def moment(self) -> Moment:
        return {"step": self.step, "time": self.clock.now()}

    def stamp(self, place: Place, only: str | None = None) -> Stamp:
        """Step, time, shown place and audience for a log entry about `place`."""
        return {
            **self.moment(),
            "where": self.where(place, only),
            "audience": self.audience(place, only),
        }

    # Messages -----------------------------------------------------------------------------

    def message(self, message_id: str) -> ConsoleMessage:
        try:
            return self._messages[message_id]
        except KeyError:
            raise WorldError(f"there is no message {message_id!r}") from None

    def mark(self) -> int:
        """A bookmark in the message history, for `created_since`."""
        return len(self._messages)

    def created_since(self, mark: int) -> list[ConsoleMessage]:
        return list(self._messages.values())[mark:]

    def post(
        self,
        place: Place,
        *,
        author: str,
        text: str,
        author_id: str | None = None,
        title: str = "",
        tags: tuple[str, ...] = (),
        buttons: tuple[Button, ...] = (),
        links: tuple[Link, ...] = (),
        only: str | None = None,
    ) -> ConsoleMessage:
        self.check_place(place)
        if only is not None:
            self.member(only)
        message = ConsoleMessage(
            id=f"m{next(self._ids)}",
            time=self.clock.now(),
            place=place,
            author=author,
            author_id=author_id,
            text=text,
            title=title,
            tags=tags,
            buttons=buttons,
            links=links,
            only=only,
        )
        self._messages[message.id] = message
        self.log.append(Posted(**self.stamp(place, only), message=message))
        return message

    def replace(self, message: ConsoleMessage) -> None:
        """Store a changed version of an existing message (the caller logs the change)."""
        self.message(message.id)
        self._messages[message.id] = message

    def can_see(self, user_id: str, message: ConsoleMessage) -> bool:
        if message.deleted:
            return False
        if message.only is not None:
            return message.only == user_id
        if isinstance(message.place, InDM):
            return message.place.user_id == user_id
        return True

    def visible_to(self, user_id: str) -> list[ConsoleMessage]:
        return [m for m in self._messages.values() if self.can_see(user_id, m)]

    def seen_by(self, member: Member, message_id: str) -> ConsoleMessage:
        """The message, if `member` can see it."""
        message = self.message(message_id)
        if message.deleted:
            raise WorldError(f"message {message_id} was deleted")
        if not self.can_see(member.user_id, message):
            raise WorldError(f"{member.display_name} cannot see message {message_id}")
        return message

    def is_in(self, message: ConsoleMessage, place: Place) -> bool:
        """Whether `message` is shown in `place` (a thread includes its root message)."""
        if isinstance(place, InThread) and message.id == place.thread_ref:
            return True
        return message.place == place

    def find_button(
        self,
        member: Member,
        button: str | int,
        *,
        message_id: str | None = None,
        within: Place | None = None,
    ) -> tuple[ConsoleMessage, Button]:
        """A button by label (latest visible message first) or by position on one message."""
        if message_id is not None:
            candidates = [self.seen_by(member, message_id)]
        else:
            candidates = list(reversed(self.visible_to(member.user_id)))
        for message in candidates:
            if within is not None and not self.is_in(message, within):
                continue
            found = _pick_button(message.buttons, button)
            if found is not None:
                return message, found
        shown = f"button {button}" if isinstance(button, int) else f"button {button!r}"
        scope = f"on message {message_id}" if message_id else "on any message they can see"
        if within is not None:
            scope += f" in {self.where(within)}"
        raise WorldError(f"{member.display_name} has no {shown} {scope}")

    # Threads ------------------------------------------------------------------------------

    def start_thread(
        self,
        channel_id: str,
        *,
        title: str,
        author: str,
        text: str,
        tags: tuple[str, ...] = (),
        buttons: tuple[Button, ...] = (),
        links: tuple[Link, ...] = (),
    ) -> str:
        """Post a thread's root message in a channel; returns the root (and thread) id."""
        message = self.post(
            InChannel(channel_id),
            title=title,
            author=author,
            text=text,
            tags=tags,
            buttons=buttons,
            links=links,
        )
        self._threads[message.id] = ThreadState(message.id, channel_id, tags)
        return message.id

    def thread(self, root_id: str) -> ThreadState:
        """The thread under a channel message (any top-level message can start one)."""
        if root_id in self._threads:
            return self._threads[root_id]
        root = self.message(root_id)
        if not isinstance(root.place, InChannel) or root.only is not None or root.deleted:
            raise WorldError(f"message {root_id} cannot have a thread")
        self._threads[root_id] = ThreadState(root_id, root.place.channel_id)
        return self._threads[root_id]

    def thread_place(self, message_id: str) -> InThread:
        """The thread of a message: the one it is in, or the one it is the root of."""
        message = self.message(message_id)
        root = message.place.thread_ref if isinstance(message.place, InThread) else message.id
        return InThread(self.thread(root).channel_id, root)

    def thread_to_reply(self, member: Member, message_id: str) -> ThreadState:
        """The thread a member replies in, given its root or any message in it."""
        self.seen_by(member, message_id)
        thread = self.thread(self.thread_place(message_id).thread_ref)
        if thread.closed and not member.is_moderator:
            raise WorldError(f"the thread {thread.root} is closed to new replies")
        return thread

    def close_thread(self, root_id: str) -> None:
        thread = self.thread(root_id)
        thread.closed = True
        place = InThread(thread.channel_id, root_id)
        self.log.append(ThreadClosed(**self.stamp(place), thread_ref=root_id))

    def reopen_thread(self, root_id: str) -> None:
        """A moderator reopened the thread: members may reply again."""
        self.thread(root_id).closed = False

    def rename_thread(self, root_id: str, title: str) -> None:
        """A thread's name (shown as its root message's title) changed."""
        self.thread(root_id)
        self.replace(replace(self.message(root_id), title=title))

    def set_tags(self, root_id: str, tags: tuple[str, ...]) -> None:
        """Set a thread's tags (shown on its root message); unchanged tags log nothing."""
        thread = self.thread(root_id)
        if thread.tags == tags:
            return
        thread.tags = tags
        self.replace(replace(self.message(root_id), tags=tags))
        place = InThread(thread.channel_id, root_id)
        self.log.append(TagsSet(**self.stamp(place), thread_ref=root_id, tags=tags))

    # Reactions ----------------------------------------------------------------------------

    def react(self, member: Member, message_id: str, emoji: str, *, removed: bool = False) -> None:
        message = self.seen_by(member, message_id)
        key = (message_id, emoji, member.user_id)
        if removed and key not in self._reactions:
            raise WorldError(f"{member.display_name} has no :{emoji}: on {message_id} to remove")
        if not removed and key in self._reactions:
            raise WorldError(f"{member.display_name} already reacted :{emoji}: to {message_id}")
        if removed:
            self._reactions.discard(key)
        else:
            self._reactions.add(key)
        self.log.append(
            Reacted(
                **self.stamp(message.place, message.only),
                message_id=message_id,
                author=member.display_name,
                emoji=emoji,
                removed=removed,
            )
        )

    # Narration ----------------------------------------------------------------------------

    def note(self, text: str) -> None:
        self.log.append(Noted(**self.moment(), text=text))

    def time_passes(self, duration: timedelta, until: datetime) -> None:
        self.log.append(TimePassed(**self.moment(), duration=duration, until=until))


def emoji_name(text: str) -> str:
    """An emoji's name as reactions use it: `:+1:` and `+1` are both `+1`."""
    name = text.strip().strip(":")
    if not name or any(c.isspace() for c in name):
        raise WorldError(f"{text!r} is not an emoji: write a name like +1 or :tada:")
    return name


def _pick_button(buttons: tuple[Button, ...], wanted: str | int) -> Button | None:
    if isinstance(wanted, int):
        return buttons[wanted - 1] if 1 <= wanted <= len(buttons) else None
    folded = wanted.strip().casefold()
    return next((b for b in buttons if b.label.strip().casefold() == folded), None)
