"""The console community's defaults: the core's settings plus helpers' and moderators'
channels."""

from __future__ import annotations

from bot.api import CommunitySettings

CONSOLE_SETTINGS = CommunitySettings(helpers_channel="helpers", moderators_channel="moderators")


def channels_of(settings: CommunitySettings) -> tuple[str, ...]:
    """The console's channels: the support channel, and the helpers' and moderators' if set."""
    others = (settings.helpers_channel, settings.moderators_channel)
    return (settings.support_channel, *(channel for channel in others if channel))
