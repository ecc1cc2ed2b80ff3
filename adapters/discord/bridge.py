"""DiscordBridge: between discord.py's events and the core.

It turns gateway events and interactions into core events, answers interactions in time
(`interactions.answer`), keeps the support forum's tags, and runs the tick loop that fires
follow-ups and retries deliveries.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord

from adapters.discord import commands, inbound
from adapters.discord.buttons import ActionButton
from adapters.discord.catch_up import CatchUp
from adapters.discord.config import DiscordSettings
from adapters.discord.form_memory import FormMemory
from adapters.discord.forms import modal_of, parse_modal_id, submitted_values
from adapters.discord.interactions import InteractionOutbox, answer
from adapters.discord.members import member_of
from adapters.discord.outbox import DiscordOutbox
from adapters.discord.reaction_ids import ReactionTurns
from adapters.discord.refs import message_ref
from adapters.discord.startup import community_settings, sync_commands
from adapters.discord.tags import ensure_tags, tag_name
from adapters.discord.ticker import PLATFORM, tick_forever, tick_until_done
from adapters.lifecycle import Deadline, InFlight
from bot.actions import parse_form
from bot.catch_up import OpenThread, open_threads
from bot.domain.model import Member
from bot.events import (
    ButtonPressed,
    CommandInvoked,
    FormSubmitted,
    InboundEvent,
    MessageActionInvoked,
)
from bot.features.routes import REBOUND_COMMAND
from bot.forum_tags import STATE_TAG_KEYS, all_thread_tags
from bot.held_messages import hand_over_direct_messages
from bot.runtime import Rebound

log = logging.getLogger(__name__)

AUTOCOMPLETE_MAX = 25  # Discord shows at most 25 choices


class DiscordBridge:
    def __init__(
        self,
        core: Rebound,
        settings: DiscordSettings,
    ) -> None:
        self.core = core
        self.settings = settings
        self.forms = FormMemory()
        self.reaction_turns = ReactionTurns()
        self.community: inbound.Community | None = None
        self.outbox: DiscordOutbox | None = None
        self.ready = asyncio.Event()
        self.in_flight = InFlight()
        self.stopping = asyncio.Event()
        self._client: discord.Client | None = None
        self._tick_task: asyncio.Task[None] | None = None
        self._recorded_when_lost: asyncio.Task[list[OpenThread]] | None = None

    # --- start-up ---------------------------------------------------------------------

    async def setup(self, client: discord.Client, tree: discord.app_commands.CommandTree) -> None:
        """In `setup_hook`: persistent buttons and commands, before the gateway connects."""
        self._client = client
        client.add_dynamic_items(ActionButton)
        commands.register(tree, self)
        self._tree = tree

    async def on_ready(self) -> None:
        """Once per process: the forum, its tags, the community, commands and the tick loop,
        then catching up. Again (a new session after a lost one): catching up only."""
        if self._client is None:
            return
        if self.community is not None:
            await self.catch_up()
            return
        client = self._client
        forum = client.get_channel(self.settings.support_forum_id)
        if not isinstance(forum, discord.ForumChannel):
            log.error("channel %s is not a forum the bot can see", self.settings.support_forum_id)
            return
        community = inbound.Community(forum.guild.id, forum.id, self.settings.moderator_role_id)
        await self.core.ensure_community(
            community.community_id, PLATFORM, community_settings(self.settings)
        )
        # Before any event is handled, so messages recorded live from now on cannot hide
        # earlier ones missed while away.
        recorded = await open_threads(self.core.store, community.community_id)
        locale = self.settings.locale
        tags = await ensure_tags(forum, all_thread_tags(self.core.content, locale))
        state_tags = [tag_name(self.core.content.render(key, locale)) for key in STATE_TAG_KEYS]
        self.outbox = DiscordOutbox(client, community.guild_id, tags, state_tags)
        self.community = community
        if self.settings.sync_commands:
            await sync_commands(self._tree, self.settings.command_guild_ids)
        self._tick_task = asyncio.create_task(
            tick_forever(self.core, self._outbox_for, self.settings.tick_seconds, self.stopping),
            name="rebound-tick",
        )
        await self.catch_up(recorded)
        self.ready.set()
        log.info("discord: ready in guild %s", community.guild_id)

    async def stop(self, deadline: Deadline) -> None:
        """Take no new events; let those being handled finish (their deliveries too) and
        the tick loop end its pass, within `deadline`."""
        self.stopping.set()
        await self.in_flight.drain(deadline.left())
        if self._tick_task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._tick_task), deadline.left())
            except TimeoutError:
                log.warning("stop: the tick loop's pass did not finish in time")

    async def on_resumed(self) -> None:
        """The gateway session resumed after a lost connection."""
        if self.community is not None:
            await self.catch_up()

    async def on_disconnect(self) -> None:
        """Note what each open thread has recorded as the connection goes: catching up
        after the reconnect reads from there."""
        closing = self._client is None or self._client.is_closed() or self.stopping.is_set()
        if self.community is not None and self._recorded_when_lost is None and not closing:
            self._recorded_when_lost = asyncio.create_task(
                open_threads(self.core.store, self.community.community_id)
            )

    async def catch_up(self, recorded: list[OpenThread] | None = None) -> int:
        """Record what open threads received while the gateway was not listening; returns
        how many messages were read (see adapters/discord/catch_up.py). Counted in flight:
        a stop lets the message in hand finish and leaves the rest to the next start."""
        if self.community is None or self.outbox is None or self._client is None:
            return 0
        if self.stopping.is_set():
            return 0  # the next start catches up
        noted, self._recorded_when_lost = self._recorded_when_lost, None
        if recorded is None and noted is not None:
            recorded = await noted
        if recorded is None:
            recorded = await open_threads(self.core.store, self.community.community_id)
        reader = CatchUp(self._client, self.community, self.core, self.outbox)
        with self.in_flight.tracking():
            return await reader.run(recorded, self.stopping)

    async def close(self) -> None:
        if self._recorded_when_lost is not None:
            self._recorded_when_lost.cancel()
            await asyncio.gather(self._recorded_when_lost, return_exceptions=True)
        if self._tick_task is not None:
            self._tick_task.cancel()
            await asyncio.gather(self._tick_task, return_exceptions=True)

    async def tick(self) -> int:
        """Fire what is due and retry what failed, until nothing is left (tests call it)."""
        return await tick_until_done(self.core, self._outbox_for)

    def _outbox_for(self, community_id: str) -> DiscordOutbox | None:
        if self.community is not None and community_id == self.community.community_id:
            return self.outbox
        return None

    # --- gateway events ---------------------------------------------------------------

    async def handle(self, event: InboundEvent | None) -> None:
        if event is not None and self.outbox is not None and not self.stopping.is_set():
            with self.in_flight.tracking():
                await self.core.handle(event, self.outbox)

    async def on_message(self, message: discord.Message) -> None:
        if self.community is not None:
            await self.handle(inbound.from_message(self.community, message))

    async def on_thread_create(self, thread: discord.Thread) -> None:
        """A post a member made in the forum is adopted, from its starter message."""
        community = self.community
        if community is None or not community.is_post(thread) or thread.owner_id == self._own_id():
            return
        starter = await self._starter(thread)
        if starter is None:
            return  # its MESSAGE_CREATE adopts it instead
        await self.handle(
            inbound.adoption(community, thread, starter) if not starter.author.bot else None
        )

    async def on_thread_update(self, before: discord.Thread, after: discord.Thread) -> None:
        """A forum post renamed: its title follows (the bot's own tag changes are ignored)."""
        community = self.community
        if community is None or before.name == after.name or not community.is_post(after):
            return
        starter = await self._starter(after)
        await self.handle(inbound.from_rename(community, after, starter) if starter else None)

    async def _starter(self, thread: discord.Thread) -> discord.Message | None:
        if thread.starter_message is not None:
            return thread.starter_message
        try:
            return await thread.fetch_message(thread.id)
        except discord.HTTPException:
            return None

    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        if self.community is not None:
            await self.handle(inbound.from_edit(self.community, payload))

    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        if self.community is not None:
            channel = self._channel(payload.channel_id)
            await self.handle(inbound.from_delete(self.community, payload, channel))

    async def on_raw_thread_delete(self, payload: discord.RawThreadDeleteEvent) -> None:
        if self.community is not None:
            await self.handle(inbound.thread_deletion(self.community, payload))

    async def on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        if self.community is not None:
            channel = self._channel(payload.channel_id)
            for event in inbound.from_bulk_delete(self.community, payload, channel):
                await self.handle(event)

    async def on_raw_reaction(self, payload: discord.RawReactionActionEvent) -> None:
        if self.community is None:
            return
        user: discord.User | discord.Member | None = payload.member
        if user is None and self._client is not None:
            guild = self._client.get_guild(self.community.guild_id)
            user = guild.get_member(payload.user_id) if guild else None
        channel = self._channel(payload.channel_id)
        emoji = inbound.emoji_name(payload.emoji)
        event_id = self.reaction_turns.event_id(
            payload.message_id, payload.user_id, emoji, payload.event_type
        )
        await self.handle(inbound.from_reaction(self.community, payload, channel, user, event_id))

    def _channel(self, channel_id: int) -> object:
        return self._client.get_channel(channel_id) if self._client else None

    def _own_id(self) -> int | None:
        user = self._client.user if self._client else None
        return user.id if user else None

    # --- interactions -----------------------------------------------------------------

    def _actor(self, interaction: discord.Interaction) -> Member:
        role = self.settings.moderator_role_id
        permissions = interaction.permissions if interaction.guild_id else None
        return member_of(interaction.user, role, permissions)

    def _base(self, interaction: discord.Interaction) -> dict[str, Any]:
        assert self.community is not None
        return {
            "community_id": self.community.community_id,
            "event_id": f"interaction:{interaction.id}",
            "actor": self._actor(interaction),
        }

    async def _run(
        self,
        interaction: discord.Interaction,
        event: InboundEvent,
        presets: dict[str, str] | None = None,
    ) -> None:
        if self.outbox is None or self.stopping.is_set():
            return
        with self.in_flight.tracking():
            await self._answer(interaction, event, self.outbox, presets)

    async def _answer(
        self,
        interaction: discord.Interaction,
        event: InboundEvent,
        outbox_to: DiscordOutbox,
        presets: dict[str, str] | None,
    ) -> None:
        outbox = InteractionOutbox(outbox_to, interaction, self.forms, presets)
        try:
            await answer(
                outbox, self.core.handle(event, outbox), self.settings.ack_deadline_seconds
            )
            if not outbox.showed_modal:
                await self._hand_over_held(outbox, event.actor.user_id)
        except discord.HTTPException as failure:
            log.warning(
                "interaction %s: discord %s (%s)", interaction.id, failure.status, failure.code
            )

    async def _hand_over_held(self, outbox: InteractionOutbox, user_id: str) -> None:
        """Private messages Discord would not take (closed DMs) are shown here instead."""
        assert self.community is not None
        await hand_over_direct_messages(
            self.core.store, self.core.clock, self.community.community_id, user_id, outbox.tell
        )

    async def on_setback(self, interaction: discord.Interaction, anonymous: bool) -> None:
        event = CommandInvoked(**self._base(interaction), command=commands.SETBACK)
        await self._run(interaction, event, {"anonymous": "yes" if anonymous else "no"})

    async def on_template(self, interaction: discord.Interaction, text: str) -> None:
        event = CommandInvoked(**self._base(interaction), command=commands.TEMPLATE, text=text)
        await self._run(interaction, event)

    async def template_choices(self, current: str) -> list[tuple[str, str]]:
        """(label, template id) pairs for what the member has typed so far."""
        if self.community is None:
            return []
        suggesting = self.core.suggest_templates(
            self.community.community_id, current, AUTOCOMPLETE_MAX
        )
        try:
            # An autocomplete cannot be deferred: a late answer is no answer at all.
            found = await asyncio.wait_for(suggesting, self.settings.ack_deadline_seconds)
        except TimeoutError:
            return []
        return [(suggestion.label, suggestion.value) for suggestion in found]

    async def on_rebound(self, interaction: discord.Interaction, text: str) -> None:
        event = CommandInvoked(**self._base(interaction), command=REBOUND_COMMAND, text=text)
        await self._run(interaction, event)

    async def topic_choices(self, current: str) -> list[str]:
        """Library topics matching what the member has typed so far."""
        if self.community is None:
            return []
        suggesting = self.core.suggest_topics(self.community.community_id, current)
        try:
            return await asyncio.wait_for(suggesting, self.settings.ack_deadline_seconds)
        except TimeoutError:
            return []

    async def on_message_action(
        self, interaction: discord.Interaction, message: discord.Message, action: str
    ) -> None:
        ref = message_ref(message.channel.id, message.id)
        event = MessageActionInvoked(**self._base(interaction), action=action, message_ref=ref)
        await self._run(interaction, event)

    async def on_action_button(self, interaction: discord.Interaction, action_id: str) -> None:
        form_id, presets = parse_modal_id(action_id)
        if parse_form(form_id) is not None:
            await self._reopen(interaction, form_id, presets)
            return
        await self._run(interaction, ButtonPressed(**self._base(interaction), action_id=action_id))

    async def _reopen(
        self, interaction: discord.Interaction, form_id: str, presets: dict[str, str]
    ) -> None:
        """A button offering a form again: shown at once, from memory (no database)."""
        form = self.forms.recall(str(interaction.user.id), form_id)
        if form is None:
            # Forgotten (a restart): the core explains that the form has expired.
            event = FormSubmitted(**self._base(interaction), form_id="", values={})
            await self._run(interaction, event)
            return
        await interaction.response.send_modal(modal_of(form, presets))

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Modal submissions: understood from their id alone, so they survive restarts."""
        if interaction.type is not discord.InteractionType.modal_submit or self.community is None:
            return
        data: Any = interaction.data or {}
        custom_id = str(data.get("custom_id", ""))
        if parse_form(parse_modal_id(custom_id)[0]) is None:
            return
        form_id, values = submitted_values(custom_id, data.get("components", []))
        self.forms.fill(str(interaction.user.id), form_id, values)
        event = FormSubmitted(**self._base(interaction), form_id=form_id, values=values)
        await self._run(interaction, event)
