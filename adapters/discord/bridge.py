"""DiscordBridge: between discord.py's events and the core.

It turns gateway events and interactions into core events, answers interactions in time
(`interactions.answer`), keeps the support forum's tags, and runs the tick loop that fires
follow-ups and retries deliveries.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

import discord

from adapters.discord import commands, inbound
from adapters.discord.buttons import ActionButton
from adapters.discord.catch_up import CatchUp
from adapters.discord.config import DiscordSettings
from adapters.discord.form_memory import FormMemory
from adapters.discord.forms import modal_of, parse_modal_id, submitted_values
from adapters.discord.guilds import Guilds, Served
from adapters.discord.interactions import InteractionOutbox, answer
from adapters.discord.members import member_of
from adapters.discord.outbox import DiscordOutbox
from adapters.discord.reaction_ids import ReactionTurns
from adapters.discord.rebound_commands import SetupChoice
from adapters.discord.refs import message_ref
from adapters.discord.setup import MODERATORS, GuildSetup
from adapters.discord.startup import community_settings, sync_commands
from adapters.discord.tags import ensure_tags, tag_name
from adapters.lifecycle import Deadline, InFlight
from bot.api import (
    REBOUND_COMMAND,
    STATE_TAG_KEYS,
    ButtonPressed,
    CommandInvoked,
    CommunitySettings,
    CommunitySettingsStore,
    FormSubmitted,
    InboundEvent,
    Member,
    MessageActionInvoked,
    OpenThread,
    Rebound,
    all_thread_tags,
    left_community,
    parse_form,
    run_workers,
    tick_until_quiet,
)

log = logging.getLogger(__name__)

PLATFORMS = frozenset({inbound.PLATFORM})

AUTOCOMPLETE_MAX = 25  # Discord shows at most 25 choices
NOT_SET_UP = "setup.not_set_up"
SET_UP_BY = "setup.who.managers"
STARTING = "setup.starting"
# Right after connecting, Discord can send an interaction before `on_ready` has served the
# servers it just named. It waits at most this long for them (of the 3 s Discord gives an
# answer); what it waited is kept in `Interaction.extras` and taken off the ack deadline.
STARTING_WAIT_S = 1.0
WAITED = "rebound_waited_s"
Recorded = dict[int, list[OpenThread]]  # by guild: what open threads have recorded


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
        self.guilds = Guilds()
        self.setups = CommunitySettingsStore(core.store)
        self._started = False
        self.ready = asyncio.Event()
        self.in_flight = InFlight()
        self.stopping = asyncio.Event()
        self._client: discord.Client | None = None
        self._tick_task: asyncio.Task[None] | None = None
        self._recorded_when_lost: asyncio.Task[Recorded] | None = None
        # Told how long each interaction took to be answered (the ops metrics plug in).
        self.on_ack: Callable[[float], None] = lambda _seconds: None

    @property
    def community(self) -> inbound.Community | None:
        """The environment's server (or the only one served)."""
        served = self.guilds.main()
        return served.community if served else None

    @property
    def outbox(self) -> DiscordOutbox | None:
        served = self.guilds.main()
        return served.outbox if served else None

    # --- start-up ---------------------------------------------------------------------

    async def setup(self, client: discord.Client, tree: discord.app_commands.CommandTree) -> None:
        """In `setup_hook`: persistent buttons and commands, before the gateway connects."""
        self._client = client
        client.add_dynamic_items(ActionButton)
        commands.register(tree, self)
        self._tree = tree

    async def on_ready(self) -> None:
        """Once per process: the servers with a forum (the environment's, and each one set
        up with `/rebound setup`), commands and the tick loop, then catching up. Again (a
        new session after a lost one): catching up only."""
        if self._client is None:
            return
        if self._started:
            await self.catch_up()
            return
        client = self._client
        recorded: Recorded = {}
        forum_id = self.settings.support_forum_id
        if forum_id is not None:
            forum = client.get_channel(forum_id)
            if isinstance(forum, discord.ForumChannel):
                seeded = community_settings(self.settings)
                log.info("discord: the environment sets up guild %s", forum.guild.id)
                recorded[forum.guild.id] = await self._serve(
                    forum, self.settings.moderator_role_id, seeded, home=True
                )
            elif (self.settings.shard_count or 1) > 1:
                log.info("discord: forum %s is in another shard's guild", forum_id)
            else:
                log.error("channel %s is not a forum the bot can see", forum_id)
                return
        for guild in client.guilds:
            if self.guilds.of(guild.id) is None:
                found = await self._stored_forum(guild)
                if found is not None:
                    forum, role_id, settings = found
                    recorded[guild.id] = await self._serve(forum, role_id, settings)
        self._started = True
        if self.settings.sync_commands:
            await sync_commands(self._tree, self.settings.command_guild_ids)
        self._tick_task = asyncio.create_task(
            run_workers(
                self.core,
                self._outbox_for,
                PLATFORMS,
                self.settings.tick_seconds,
                self.stopping,
                served=self._served,
            ),
            name="rebound-tick",
        )
        await self.catch_up(recorded)
        self.ready.set()
        served = ", ".join(str(s.community.guild_id) for s in self.guilds) or "none yet"
        log.info("discord: ready in guild(s) %s", served)

    async def _stored_forum(
        self, guild: discord.Guild
    ) -> tuple[discord.ForumChannel, int | None, CommunitySettings] | None:
        """The forum a server chose with `/rebound setup`, if it did and it still exists."""
        setup = await self.setups.find(inbound.guild_community_id(guild.id))
        if setup is None or not setup.set_up or not setup.settings.support_channel.isdigit():
            return None
        forum = guild.get_channel(int(setup.settings.support_channel))
        if not isinstance(forum, discord.ForumChannel):
            log.warning("guild %s: its forum is gone; /rebound setup again", guild.id)
            return None
        role = setup.platform.get(MODERATORS, "")
        return forum, int(role) if role.isdigit() else None, setup.settings

    async def _serve(
        self,
        forum: discord.ForumChannel,
        role_id: int | None,
        settings: CommunitySettings,
        *,
        home: bool = False,
    ) -> list[OpenThread]:
        """Serve the forum's server from now on; what its open threads have recorded (taken
        before its events flow, for catching up)."""
        assert self._client is not None
        community = inbound.Community(forum.guild.id, forum.id, role_id)
        if home:
            await self.core.ensure_community(community.community_id, inbound.PLATFORM, settings)
        recorded = await self.core.open_threads(community.community_id)
        locale = settings.locale
        tags = await ensure_tags(forum, all_thread_tags(self.core.content, locale))
        state_tags = [tag_name(self.core.content.render(key, locale)) for key in STATE_TAG_KEYS]
        outbox = DiscordOutbox(self._client, community.guild_id, tags, state_tags)
        self.guilds.add(Served(community, outbox), home=home)
        return recorded

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

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """Rebound was removed from the server (kicked, or the server deleted): every send
        to it stops (undelivered rows dropped, follow-ups cancelled) and its events are no
        longer taken. Its posts stay, under the retention setting."""
        served = self.guilds.remove(guild.id)
        if served is not None:
            community_id = served.community.community_id
            await left_community(self.core.store, community_id, self.core.clock.now())

    async def on_resumed(self) -> None:
        """The gateway session resumed after a lost connection."""
        if self._started:
            await self.catch_up()

    async def on_disconnect(self) -> None:
        """Note what each open thread has recorded as the connection goes: catching up
        after the reconnect reads from there."""
        closing = self._client is None or self._client.is_closed() or self.stopping.is_set()
        if self._started and self._recorded_when_lost is None and not closing:
            self._recorded_when_lost = asyncio.create_task(self._recorded_now())

    async def _recorded_now(self) -> Recorded:
        """What each served server's open threads have recorded."""
        return {
            served.community.guild_id: await self.core.open_threads(served.community.community_id)
            for served in self.guilds
        }

    async def catch_up(self, recorded: Recorded | None = None) -> int:
        """Record what open threads received while the gateway was not listening; returns
        how many messages were read (see adapters/discord/catch_up.py). Counted in flight:
        a stop lets the message in hand finish and leaves the rest to the next start."""
        if self._client is None or self.stopping.is_set():
            return 0  # the next start catches up
        noted, self._recorded_when_lost = self._recorded_when_lost, None
        if recorded is None and noted is not None:
            recorded = await noted
        if recorded is None:
            recorded = await self._recorded_now()
        read = 0
        with self.in_flight.tracking():
            for served in self.guilds:
                threads = recorded.get(served.community.guild_id)
                if threads is None:
                    continue
                reader = CatchUp(self._client, served.community, self.core, served.outbox)
                read += await reader.run(threads, self.stopping)
        return read

    async def close(self) -> None:
        if self._recorded_when_lost is not None:
            self._recorded_when_lost.cancel()
            await asyncio.gather(self._recorded_when_lost, return_exceptions=True)
        if self._tick_task is not None:
            self._tick_task.cancel()
            await asyncio.gather(self._tick_task, return_exceptions=True)

    async def tick(self) -> int:
        """Fire what is due and retry what failed, until nothing is left (tests call it)."""
        return await tick_until_quiet(self.core, self._outbox_for, PLATFORMS)

    def _served(self) -> list[str]:
        """The servers this process serves (with shards, only its own guilds): the tick
        loop claims only their follow-ups and retries."""
        return [served.community.community_id for served in self.guilds]

    def _outbox_for(self, community_id: str) -> DiscordOutbox | None:
        served = self.guilds.of_community(community_id)
        return served.outbox if served else None

    # --- gateway events ---------------------------------------------------------------

    async def handle(self, event: InboundEvent | None) -> None:
        if event is None or self.stopping.is_set():
            return
        served = self.guilds.of_community(event.community_id)
        elsewhere = self._elsewhere(event.community_id) if served is None else None
        with self.in_flight.tracking():
            if served is not None:
                await self.core.handle(event, served.outbox)
            elif elsewhere is not None:
                await self.core.handle_elsewhere(event, elsewhere)

    def _elsewhere(self, community_id: str) -> DiscordOutbox | None:
        """For a direct message about another shard's server: an outbox for what only this
        process can give (the answer to an interaction); the rest is left to that shard."""
        guild_id = inbound.guild_of(community_id)
        if self._client is None or guild_id is None:
            return None
        return DiscordOutbox(self._client, guild_id)

    async def _direct_community(
        self, user_id: int, custom_id: str = ""
    ) -> inbound.Community | None:
        """A direct message's server. With one process per shard, Discord gives every
        server's DMs to shard 0: the records say which server (the member's post a button
        is about, else their newest open post), served here or not. Otherwise, or when
        the records do not say, the member's served server (see guilds.py)."""
        if self.settings.shard_id is not None:
            found = await self.core.community_of_direct_message(
                inbound.PLATFORM, str(user_id), custom_id
            )
            guild_id = inbound.guild_of(found) if found is not None else None
            if guild_id is not None:
                served = self.guilds.of(guild_id)
                return served.community if served else inbound.Community(guild_id, forum_id=0)
        return self._community_of(None, user_id)

    def _community_of(self, guild_id: int | None, user_id: int) -> inbound.Community | None:
        """The served server an event is about: its own, or for a direct message (no
        server) the member's (see adapters/discord/guilds.py)."""
        if guild_id is not None:
            served = self.guilds.of(guild_id)
        else:
            user = self._client.get_user(user_id) if self._client else None
            mutual = [g.id for g in user.mutual_guilds] if user is not None else []
            served = self.guilds.for_member(mutual)
        return served.community if served else None

    async def on_message(self, message: discord.Message) -> None:
        if message.guild is None:
            if message.author.bot:
                return
            community = await self._direct_community(message.author.id)
        else:
            community = self._community_of(message.guild.id, message.author.id)
        if community is not None:
            await self.handle(inbound.from_message(community, message))

    async def on_thread_create(self, thread: discord.Thread) -> None:
        """A post a member made in the forum is adopted, from its starter message."""
        community = self._community_of(thread.guild.id, 0)
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
        community = self._community_of(after.guild.id, 0)
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

    def _served_community(self, guild_id: int | None) -> inbound.Community | None:
        served = self.guilds.of(guild_id)
        return served.community if served else None

    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        community = self._served_community(payload.guild_id)
        if community is not None:
            await self.handle(inbound.from_edit(community, payload))

    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        community = self._served_community(payload.guild_id)
        if community is not None:
            channel = self._channel(payload.channel_id)
            await self.handle(inbound.from_delete(community, payload, channel))

    async def on_raw_thread_delete(self, payload: discord.RawThreadDeleteEvent) -> None:
        community = self._served_community(payload.guild_id)
        if community is not None:
            await self.handle(inbound.thread_deletion(community, payload))

    async def on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        community = self._served_community(payload.guild_id)
        if community is not None:
            channel = self._channel(payload.channel_id)
            for event in inbound.from_bulk_delete(community, payload, channel):
                await self.handle(event)

    async def on_raw_reaction(self, payload: discord.RawReactionActionEvent) -> None:
        community = self._served_community(payload.guild_id)
        if community is None:
            return
        user: discord.User | discord.Member | None = payload.member
        if user is None and self._client is not None:
            guild = self._client.get_guild(community.guild_id)
            user = guild.get_member(payload.user_id) if guild else None
        channel = self._channel(payload.channel_id)
        emoji = inbound.emoji_name(payload.emoji)
        event_id = self.reaction_turns.event_id(
            payload.message_id, payload.user_id, emoji, payload.event_type
        )
        await self.handle(inbound.from_reaction(community, payload, channel, user, event_id))

    def _channel(self, channel_id: int) -> object:
        return self._client.get_channel(channel_id) if self._client else None

    def _own_id(self) -> int | None:
        user = self._client.user if self._client else None
        return user.id if user else None

    # --- interactions -----------------------------------------------------------------

    def _actor(self, interaction: discord.Interaction, community: inbound.Community) -> Member:
        permissions = interaction.permissions if interaction.guild_id else None
        return member_of(interaction.user, community.moderator_role_id, permissions)

    async def _base(
        self, interaction: discord.Interaction, custom_id: str = ""
    ) -> dict[str, Any] | None:
        """The event's common fields; None (the member told) where Rebound is not set up.
        `custom_id` (a button's or form's) tells a direct message's server."""
        if not await self._served_in_time(interaction):
            return None
        if interaction.guild_id is None:
            community = await self._direct_community(interaction.user.id, custom_id)
        else:
            community = self._community_of(interaction.guild_id, interaction.user.id)
        if community is None:
            await self._not_set_up(interaction)
            return None
        return {
            "community_id": community.community_id,
            "event_id": f"interaction:{interaction.id}",
            "actor": self._actor(interaction, community),
        }

    async def _served_in_time(self, interaction: discord.Interaction) -> bool:
        """Whether the servers are served, waiting for that (bounded) at start; if they
        are not yet, the member is told to try again in a moment."""
        if self.ready.is_set():
            return True
        began = time.monotonic()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.ready.wait(), STARTING_WAIT_S)
        interaction.extras[WAITED] = time.monotonic() - began
        if self.ready.is_set():
            return True
        await self._tell(interaction, STARTING)
        return False

    async def _not_set_up(self, interaction: discord.Interaction) -> None:
        await self._tell(interaction, NOT_SET_UP, who=SET_UP_BY)

    async def _tell(self, interaction: discord.Interaction, key: str, **said_keys: str) -> None:
        """A private answer of the bot's own words (`said_keys`: parameters that are keys)."""
        where = inbound.guild_community_id(interaction.guild_id or 0)
        parameters = {name: self.core.say(where, k) for name, k in said_keys.items()}
        try:
            await interaction.response.send_message(
                self.core.say(where, key, **parameters), ephemeral=True
            )
        except discord.HTTPException as failure:
            log.warning("interaction %s: discord %s", interaction.id, failure.status)

    async def _run(
        self,
        interaction: discord.Interaction,
        event: InboundEvent,
        presets: dict[str, str] | None = None,
    ) -> None:
        if self.stopping.is_set():
            return
        served = self.guilds.of_community(event.community_id)
        if served is not None:
            with self.in_flight.tracking():
                await self._answer(interaction, event, served.outbox, presets)
            return
        elsewhere = self._elsewhere(event.community_id) if interaction.guild_id is None else None
        if elsewhere is not None:
            with self.in_flight.tracking():
                await self._answer(interaction, event, elsewhere, presets, here=False)

    async def _answer(
        self,
        interaction: discord.Interaction,
        event: InboundEvent,
        outbox_to: DiscordOutbox,
        presets: dict[str, str] | None,
        *,
        here: bool = True,
    ) -> None:
        """`here=False`: the event's server is another shard's; only the answer goes out."""
        outbox = InteractionOutbox(outbox_to, interaction, self.forms, presets)
        handling = self.core.handle if here else self.core.handle_elsewhere
        deadline = self.settings.ack_deadline_seconds - interaction.extras.get(WAITED, 0.0)
        try:
            await answer(outbox, handling(event, outbox), max(deadline, 0.0))
            if outbox.answered_after is not None:
                self.on_ack(outbox.answered_after)
            if not outbox.showed_modal:
                await self._hand_over_held(outbox, event.community_id, event.actor.user_id)
        except discord.HTTPException as failure:
            log.warning(
                "interaction %s: discord %s (%s)", interaction.id, failure.status, failure.code
            )

    async def _hand_over_held(
        self, outbox: InteractionOutbox, community_id: str, user_id: str
    ) -> None:
        """Private messages Discord would not take (closed DMs) are shown here instead."""
        await self.core.hand_over_direct_messages(community_id, user_id, outbox.tell)

    async def on_setback(self, interaction: discord.Interaction, anonymous: bool) -> None:
        base = await self._base(interaction)
        if base is not None:
            event = CommandInvoked(**base, command=commands.SETBACK)
            await self._run(interaction, event, {"anonymous": "yes" if anonymous else "no"})

    async def on_template(self, interaction: discord.Interaction, text: str) -> None:
        base = await self._base(interaction)
        if base is not None:
            event = CommandInvoked(**base, command=commands.TEMPLATE, text=text)
            await self._run(interaction, event)

    async def on_rebound(self, interaction: discord.Interaction, what: str) -> None:
        base = await self._base(interaction)
        if base is not None:
            event = CommandInvoked(**base, command=REBOUND_COMMAND, text=what)
            await self._run(interaction, event)

    async def template_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[tuple[str, str]]:
        """(label, template id) pairs for what the member has typed so far."""
        community = self._community_of(interaction.guild_id, interaction.user.id)
        if community is None:
            return []
        suggesting = self.core.suggest_templates(community.community_id, current, AUTOCOMPLETE_MAX)
        try:
            # An autocomplete cannot be deferred: a late answer is no answer at all.
            found = await asyncio.wait_for(suggesting, self.settings.ack_deadline_seconds)
        except TimeoutError:
            return []
        return [(suggestion.label, suggestion.value) for suggestion in found]

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
        base = await self._base(interaction)
        if base is not None:
            ref = message_ref(message.channel.id, message.id)
            event = MessageActionInvoked(**base, action=action, message_ref=ref)
            await self._run(interaction, event)

    async def on_setup(self, interaction: discord.Interaction, choice: SetupChoice) -> None:
        with self.in_flight.tracking():
            await GuildSetup(self.core, self.settings, self.setups, self._serve).run(
                interaction, choice
            )

    async def on_action_button(self, interaction: discord.Interaction, action_id: str) -> None:
        form_id, presets = parse_modal_id(action_id)
        if parse_form(form_id) is not None:
            await self._reopen(interaction, form_id, presets)
            return
        base = await self._base(interaction, action_id)
        if base is None:
            return
        if self.core.opens_offered_form(action_id):
            # A form offered when it came too late: shown at once from one read, since the
            # core's full path is what made it late.
            user_id = str(interaction.user.id)
            form = await self.core.offered_form(base["community_id"], user_id, action_id)
            if form is not None:
                self.forms.remember(user_id, form)
                await interaction.response.send_modal(modal_of(form))
                return
        await self._run(interaction, ButtonPressed(**base, action_id=action_id))

    async def _reopen(
        self, interaction: discord.Interaction, form_id: str, presets: dict[str, str]
    ) -> None:
        """A button offering a form again: shown at once, from memory (no database)."""
        form = self.forms.recall(str(interaction.user.id), form_id)
        if form is None:
            # Forgotten (a restart): the core explains that the form has expired.
            base = await self._base(interaction, form_id)
            if base is not None:
                await self._run(interaction, FormSubmitted(**base, form_id="", values={}))
            return
        await interaction.response.send_modal(modal_of(form, presets))

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Modal submissions: understood from their id alone, so they survive restarts."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        data: Any = interaction.data or {}
        custom_id = str(data.get("custom_id", ""))
        if parse_form(parse_modal_id(custom_id)[0]) is None:
            return
        form_id, values = submitted_values(custom_id, data.get("components", []))
        self.forms.fill(str(interaction.user.id), form_id, values)
        base = await self._base(interaction, form_id)
        if base is not None:
            event = FormSubmitted(**base, form_id=form_id, values=values)
            await self._run(interaction, event)
