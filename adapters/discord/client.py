"""The discord.py clients: a plain one, or an auto-sharded one when sharding is configured.

Both only wire discord.py's events to the `DiscordBridge`.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import discord
from discord import app_commands

from adapters.discord.bridge import DiscordBridge
from bot.api import log_failure

log = logging.getLogger(__name__)

GUILD_READY_TIMEOUT = 0.5


def intents() -> discord.Intents:
    """Guilds and their messages, DMs, reactions, message content (privileged), members
    (privileged: moderator roles of people who react or write)."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.guild_messages = True
    wanted.dm_messages = True
    wanted.guild_reactions = True
    wanted.message_content = True
    wanted.members = True
    return wanted


class _Wiring:
    bridge: DiscordBridge
    tree: app_commands.CommandTree[Any]

    def _attach(self, bridge: DiscordBridge) -> None:
        self.bridge = bridge
        self.tree = app_commands.CommandTree(self)
        self.tree.error(_on_command_error)

    async def on_error(self, event_method: str, /, *args: Any, **kwargs: Any) -> None:
        """discord.py's default logs the exception's message, which can quote members."""
        failure = sys.exc_info()[1]
        if failure is not None:
            log_failure(log, f"discord {event_method}", failure)

    async def setup_hook(self) -> None:
        await self.bridge.setup(self, self.tree)  # type: ignore[arg-type]

    async def on_ready(self) -> None:
        await self.bridge.on_ready()

    async def on_resumed(self) -> None:
        await self.bridge.on_resumed()

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        await self.bridge.on_guild_remove(guild)

    async def on_disconnect(self) -> None:
        await self.bridge.on_disconnect()

    async def on_thread_update(self, before: discord.Thread, after: discord.Thread) -> None:
        await self.bridge.on_thread_update(before, after)

    async def on_raw_thread_delete(self, payload: discord.RawThreadDeleteEvent) -> None:
        await self.bridge.on_raw_thread_delete(payload)

    async def on_message(self, message: discord.Message) -> None:
        await self.bridge.on_message(message)

    async def on_thread_create(self, thread: discord.Thread) -> None:
        await self.bridge.on_thread_create(thread)

    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        await self.bridge.on_raw_message_edit(payload)

    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        await self.bridge.on_raw_message_delete(payload)

    async def on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        await self.bridge.on_raw_bulk_message_delete(payload)

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        await self.bridge.on_raw_reaction(payload)

    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        await self.bridge.on_raw_reaction(payload)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        await self.bridge.on_interaction(interaction)

    async def close(self) -> None:
        await self.bridge.close()
        await super().close()  # type: ignore[misc]


async def _on_command_error(
    interaction: discord.Interaction[Any], error: app_commands.AppCommandError
) -> None:
    """The command tree's error handler: type and stack, never the message."""
    command = interaction.command.name if interaction.command else "?"
    failure = error.original if isinstance(error, app_commands.CommandInvokeError) else error
    log_failure(log, f"discord command {command}", failure)


class ReboundClient(_Wiring, discord.Client):
    def __init__(self, bridge: DiscordBridge, **options: Any) -> None:
        super().__init__(intents=intents(), guild_ready_timeout=GUILD_READY_TIMEOUT, **options)
        self._attach(bridge)


class ShardedReboundClient(_Wiring, discord.AutoShardedClient):
    def __init__(self, bridge: DiscordBridge, **options: Any) -> None:
        super().__init__(intents=intents(), guild_ready_timeout=GUILD_READY_TIMEOUT, **options)
        self._attach(bridge)


def make_client(
    bridge: DiscordBridge, shard_count: int | None, shard_id: int | None = None, **options: Any
) -> discord.Client:
    """`AutoShardedClient` when sharding is configured (0 lets Discord pick the count); a
    plain client on one shard when `shard_id` is given too (one process per shard)."""
    if shard_count is None:
        return ReboundClient(bridge, **options)
    if shard_id is not None:
        if not 0 <= shard_id < shard_count:
            raise ValueError(f"DISCORD_SHARD_ID {shard_id} is not in 0..{shard_count - 1}")
        return ReboundClient(bridge, shard_id=shard_id, shard_count=shard_count, **options)
    return ShardedReboundClient(bridge, shard_count=shard_count or None, **options)
