"""Where discord.py talks to: Discord itself, or a proxy or local fake (tests).

discord.py keeps these as class attributes, so they are process-wide.
"""

from __future__ import annotations

import discord.gateway
import discord.http
import yarl


def point_at(api_url: str, gateway_url: str | None) -> None:
    discord.http.Route.BASE = api_url.rstrip("/")
    if gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
