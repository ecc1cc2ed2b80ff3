"""What the adapter sets up once connected: the community's settings and its commands."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import discord
from discord import app_commands

from adapters.community_env import shared_settings
from adapters.discord.config import DiscordSettings
from bot.api import CommunitySettings

log = logging.getLogger(__name__)


def community_settings(settings: DiscordSettings) -> CommunitySettings:
    """The community's settings, applied at each start: the forum is the support channel."""
    helpers = settings.helpers_channel_id
    return CommunitySettings(
        support_channel=str(settings.support_forum_id),
        helpers_channel=str(helpers) if helpers else None,
        appreciation_emoji=settings.appreciation_emoji,
        locale=settings.locale,
        **shared_settings(str(mods) if (mods := settings.moderators_channel_id) else None),
    )


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
