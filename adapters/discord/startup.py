"""What the adapter sets up once connected: the community's settings and its commands."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import discord
from discord import app_commands

from adapters.discord.config import DiscordSettings
from bot.domain.model import CommunitySettings
from bot.runtime import Rebound

log = logging.getLogger(__name__)


def community_settings(settings: DiscordSettings) -> CommunitySettings:
    """A new community's settings: the forum is the support channel."""
    helpers = settings.helpers_channel_id
    return CommunitySettings(
        support_channel=str(settings.support_forum_id),
        helpers_channel=str(helpers) if helpers else None,
        appreciation_emoji=settings.appreciation_emoji,
    )


async def community_locale(core: Rebound, community_id: str) -> str:
    """The locale the community keeps (an existing community keeps its own settings)."""
    async with core.store.transaction() as repo:
        found = await repo.community(community_id)
    return found[1].locale if found else CommunitySettings().locale


async def sync_commands(tree: app_commands.CommandTree[Any], guild_ids: Sequence[int]) -> None:
    """To each listed guild (instant), or globally when none are (Discord may take an hour).

    A failure is logged, not raised: commands synced before keep working."""
    try:
        for guild_id in guild_ids:
            guild = discord.Object(guild_id)
            tree.copy_global_to(guild=guild)
            await tree.sync(guild=guild)
        if not guild_ids:
            await tree.sync()
    except discord.HTTPException as failure:
        log.warning("command sync failed: discord %s (%s)", failure.status, failure.code)
