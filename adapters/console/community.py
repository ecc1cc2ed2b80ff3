"""The console community's defaults: the core's settings plus a helpers channel."""

from __future__ import annotations

from bot.api import CommunitySettings

CONSOLE_SETTINGS = CommunitySettings(helpers_channel="helpers")


def channels_of(settings: CommunitySettings) -> tuple[str, ...]:
    """The console's channels: the support channel, and the helpers' if there is one."""
    helpers = settings.helpers_channel
    return (settings.support_channel, *([helpers] if helpers else []))
