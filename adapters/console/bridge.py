"""ConsoleBridge: members act on the simulated platform and the core answers.

Each action first changes the world as the platform would (a member's message is
posted, visible to all, before the core hears of it), then hands the core the event.
Scripts and the interactive prompt both drive the core through this one class.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from typing import Protocol

from adapters.console.community import channels_of
from adapters.console.durations import format_duration
from adapters.console.entries import (
    ActionInvoked,
    Commanded,
    ConsoleMessage,
    Deleted,
    Edited,
    FormAnswered,
    Pressed,
)
from adapters.console.forms import Answer
from adapters.console.inbound import PLATFORM, EventFactory
from adapters.console.outbox import ConsoleOutbox
from adapters.console.places import InChannel, InDM, InThread, Place
from adapters.console.world import World, WorldError, emoji_name
from bot.api import (
    Button,
    Clock,
    CommunitySettings,
    Form,
    InboundEvent,
    Intent,
    ManualClock,
    Member,
    Outbox,
    OutboxFor,
    StillFiring,
    tick_until_quiet,
)

MAX_TICK_ROUNDS = 1000


class CoreFailed(Exception):
    """The core raised while handling an event or ticking; the cause is chained."""


class Core(Protocol):
    """What the console needs of `bot.engine.runtime.Rebound` (tests pass a fake)."""

    @property
    def clock(self) -> Clock: ...

    async def ensure_community(
        self, community_id: str, platform: str, settings: CommunitySettings
    ) -> None: ...

    async def handle(self, event: InboundEvent, outbox: Outbox) -> list[Intent]: ...

    async def tick(self, outbox_for: OutboxFor, platforms: frozenset[str]) -> int: ...

    async def close(self) -> None: ...


class ConsoleBridge:
    """One console community wired to a core, on a clock that moves only when told."""

    def __init__(
        self,
        core: Core,
        clock: ManualClock,
        world: World,
        *,
        community: str,
        settings: CommunitySettings,
        tick_every: timedelta = timedelta(hours=1),
    ) -> None:
        self.core = core
        self.clock = clock
        self.world = world
        self.settings = settings
        self.tick_every = tick_every
        self.events = EventFactory(community)
        self.outbox = ConsoleOutbox(world)

    @property
    def community_id(self) -> str:
        return self.events.community_id

    async def open(self) -> None:
        """Make sure the core knows this community."""
        await self.core.ensure_community(self.community_id, PLATFORM, self.settings)

    def pending_form(self, member: Member) -> Form | None:
        return self.world.forms.pending(member.user_id)

    # Member actions -----------------------------------------------------------------------

    async def command(
        self, member: Member, command: str, text: str = "", place: Place | None = None
    ) -> None:
        """A slash command typed in `place` (by default the support channel)."""
        where = self._own_place(member, place or InChannel(self.settings.support_channel))
        self.world.acted_at(member.user_id, where)
        stamp = self.world.stamp(where, only=member.user_id)
        self.world.log.append(
            Commanded(**stamp, author=member.display_name, command=command, text=text)
        )
        await self._handle(self.events.command(member, command, text))

    async def submit_form(self, member: Member, values: Mapping[str, Answer]) -> None:
        """Submit the member's pending form with `values` (see `forms.fill_form`)."""
        form = self.world.forms.take(member.user_id)
        stamp = self.world.stamp(self.world.place_of(member.user_id), only=member.user_id)
        self.world.log.append(
            FormAnswered(
                **stamp,
                author=member.display_name,
                form=form,
                values=dict(values),
            )
        )
        await self._handle(self.events.form_submitted(member, form.form_id, values))

    async def say(self, member: Member, text: str, channel: str | None = None) -> ConsoleMessage:
        """A top-level message in a channel (the support channel unless named)."""
        place = InChannel(channel or self.settings.support_channel)
        message = self._post_as(member, place, text)
        await self._handle(
            self.events.message_posted(
                member, channel_id=place.channel_id, message_ref=message.id, text=text
            )
        )
        return message

    async def reply(self, member: Member, message_id: str, text: str) -> ConsoleMessage:
        """A reply in the thread of `message_id` (its root, or any message in it)."""
        thread = self.world.thread_to_reply(member, message_id)
        message = self._post_as(member, InThread(thread.channel_id, thread.root), text)
        await self._handle(
            self.events.message_posted(
                member,
                channel_id=thread.channel_id,
                message_ref=message.id,
                text=text,
                thread_ref=thread.root,
            )
        )
        return message

    async def dm(self, member: Member, text: str) -> ConsoleMessage:
        """A private message to the bot."""
        message = self._post_as(member, InDM(member.user_id), text)
        await self._handle(self.events.direct_message(member, text))
        return message

    async def edit(self, member: Member, message_id: str, text: str) -> None:
        """Change the text of the member's own message."""
        new = replace(self._own_message(member, message_id), text=text)
        self.world.replace(new)
        self.world.log.append(Edited(**self.world.stamp(new.place), message=new))
        await self._handle(self.events.message_edited(member, message_id, text))

    async def delete(self, member: Member, message_id: str) -> None:
        """Delete the member's own message."""
        old = self._own_message(member, message_id)
        self.world.replace(replace(old, deleted=True))
        self.world.log.append(
            Deleted(**self.world.stamp(old.place), message_id=message_id, author=old.author)
        )
        await self._handle(self.events.message_deleted(member, message_id))

    async def react(
        self, member: Member, message_id: str, emoji: str, *, removed: bool = False
    ) -> None:
        """Add (or remove) an emoji reaction on a message the member can see."""
        emoji = emoji_name(emoji)
        self.world.react(member, message_id, emoji, removed=removed)
        await self._handle(self.events.reaction(member, message_id, emoji, removed=removed))

    async def press(self, member: Member, message_id: str, button: Button) -> None:
        """Press `button` on a message the member can see."""
        message = self.world.seen_by(member, message_id)
        if button not in message.buttons:
            raise WorldError(f"message {message_id} has no button {button.label!r}")
        self.world.acted_at(member.user_id, message.place)
        self.world.log.append(
            Pressed(
                **self.world.stamp(message.place, only=member.user_id),
                author=member.display_name,
                message_id=message_id,
                button=button.label,
            )
        )
        await self._handle(self.events.button_pressed(member, button.action_id))

    async def message_action(self, member: Member, action: str, message_id: str) -> None:
        """A message shortcut (`mark_best`, `unmark_best`) on a message the member can see."""
        message = self.world.seen_by(member, message_id)
        self.world.acted_at(member.user_id, message.place)
        self.world.log.append(
            ActionInvoked(
                **self.world.stamp(message.place, only=member.user_id),
                author=member.display_name,
                action=action,
                message_id=message_id,
            )
        )
        await self._handle(self.events.message_action(member, action, message_id))

    # Time and narration -------------------------------------------------------------------

    async def wait(self, duration: timedelta) -> None:
        """Let `duration` pass in `tick_every` steps, firing what falls due."""
        self.world.time_passes(duration, self.clock.now() + duration)
        left = duration
        while left > timedelta():
            step = min(self.tick_every, left)
            self.clock.advance(step)
            left -= step
            await self._tick_until_quiet()

    def note(self, text: str) -> None:
        self.world.note(text)

    # Plumbing -----------------------------------------------------------------------------

    async def _handle(self, event: InboundEvent) -> None:
        """Handle `event`, then fire what it made due at once (a new post's similar
        setbacks): what a running worker's next tick does, a moment later."""
        with _blaming_the_core():
            await self.core.handle(event, self.outbox)
        await self._tick_until_quiet()

    async def _tick_until_quiet(self) -> None:
        with _blaming_the_core():
            try:
                await tick_until_quiet(
                    self.core, self._outbox_for, frozenset({PLATFORM}), MAX_TICK_ROUNDS
                )
            except StillFiring:
                every = format_duration(self.tick_every)
                raise WorldError(
                    f"the scheduler was still firing after {MAX_TICK_ROUNDS} rounds at "
                    f"{self.clock.now():%Y-%m-%d %H:%M} (tick every {every})"
                ) from None

    def _outbox_for(self, community: str) -> Outbox | None:
        return self.outbox if community == self.community_id else None

    def _post_as(self, member: Member, place: Place, text: str) -> ConsoleMessage:
        message = self.world.post(
            place, author=member.display_name, author_id=member.user_id, text=text
        )
        self.world.acted_at(member.user_id, place)
        return message

    def _own_place(self, member: Member, place: Place) -> Place:
        self.world.check_place(place)
        if isinstance(place, InDM) and place.user_id != member.user_id:
            raise WorldError(f"{member.display_name} cannot act in another member's DM")
        return place

    def _own_message(self, member: Member, message_id: str) -> ConsoleMessage:
        message = self.world.seen_by(member, message_id)
        if message.author_id != member.user_id:
            raise WorldError(f"message {message_id} is not {member.display_name}'s to change")
        return message


@contextmanager
def _blaming_the_core() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        raise CoreFailed(f"{type(exc).__name__}: {exc}") from exc


def manual_clock(core: Core) -> ManualClock:
    """The core's clock, which the console must be able to move."""
    if not isinstance(core.clock, ManualClock):
        raise TypeError("the console moves time itself: build the core on a ManualClock")
    return core.clock


async def open_session(
    core: Core,
    *,
    community: str,
    members: Iterable[Member],
    settings: CommunitySettings,
    tick_every: timedelta = timedelta(hours=1),
) -> ConsoleBridge:
    """A fresh world with `members`, wired to `core`, with the community made known to it."""
    clock = manual_clock(core)
    world = World(clock, members, channels_of(settings))
    session = ConsoleBridge(
        core, clock, world, community=community, settings=settings, tick_every=tick_every
    )
    await session.open()
    return session
