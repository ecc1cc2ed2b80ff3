"""`/rebound setup` on Discord: a server's managers (Manage Server) pick its forum, helpers'
channel and moderators' role. Stored per community with an audit row
(bot/store/community_settings_repo.py); the server is served at once, no restart.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace

import discord

from adapters.discord import inbound
from adapters.discord.config import DiscordSettings
from adapters.discord.inbound import PLATFORM
from adapters.discord.rebound_commands import SetupChoice
from bot.api import CommunitySettings, CommunitySettingsStore, CommunitySetup, Rebound

log = logging.getLogger(__name__)

MODERATORS = "moderators"
Serve = Callable[[discord.ForumChannel, int | None, CommunitySettings], Awaitable[object]]


class GuildSetup:
    def __init__(
        self,
        core: Rebound,
        settings: DiscordSettings,
        setups: CommunitySettingsStore,
        serve: Serve,
    ) -> None:
        self._core = core
        self._settings = settings
        self._setups = setups
        self._serve = serve

    async def run(self, interaction: discord.Interaction, choice: SetupChoice) -> None:
        forum, helpers, moderators = choice.forum, choice.helpers, choice.moderators
        guild_id = interaction.guild_id
        if guild_id is None:
            return
        community = inbound.guild_community_id(guild_id)
        say = self._core.say
        permissions = interaction.permissions
        if not (permissions.manage_guild or permissions.administrator):
            await interaction.response.send_message(
                say(community, "setup.admins_only"), ephemeral=True
            )
            return
        # Tags and the store may take longer than Discord's three seconds.
        await interaction.response.defer(ephemeral=True, thinking=True)
        before = await self._setups.find(community)
        if before is None:
            seeded = CommunitySettings(
                locale=self._settings.locale, appreciation_emoji=self._settings.appreciation_emoji
            )
            await self._core.ensure_community(community, PLATFORM, seeded)
            before = CommunitySetup(seeded)
        now = self._core.clock.now()
        chosen = replace(
            before.settings,
            support_channel=str(forum.id),
            helpers_channel=str(helpers.id) if helpers else None,
        )
        platform = {**before.platform, MODERATORS: str(moderators.id) if moderators else ""}
        setup = CommunitySetup(chosen, platform, before.set_up_at or now.isoformat())
        changed = await self._setups.save(community, setup, str(interaction.user.id), now)
        self._core.settings_changed(community)
        log.info("setup: %s changed %s", community, ", ".join(sorted(changed)) or "nothing")
        await self._serve(forum, moderators.id if moderators else None, chosen)
        await interaction.followup.send(
            say(community, "setup.saved", channel=f"<#{forum.id}>"), ephemeral=True
        )
