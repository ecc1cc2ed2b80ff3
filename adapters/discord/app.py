"""`rebound discord`: the adapter's entry point."""

from __future__ import annotations

import asyncio

import discord
from pydantic import ValidationError

from adapters.discord import endpoints, logs
from adapters.discord.bridge import DiscordBridge
from adapters.discord.client import make_client
from adapters.discord.config import DiscordSettings
from bot.bootstrap import build_rebound
from bot.clock import SystemClock


async def start(
    settings: DiscordSettings, database_url: str
) -> tuple[discord.Client, DiscordBridge]:
    """A logged-in client, not yet connected (tests connect it to a fake)."""
    endpoints.point_at(settings.api_url, settings.gateway_url)
    logs.install()
    core = await build_rebound(database_url, SystemClock())
    bridge = DiscordBridge(core, settings)
    client = make_client(bridge, settings.shard_count)
    await client.login(settings.token.get_secret_value())
    return client, bridge


async def run(settings: DiscordSettings, database_url: str) -> None:
    client, bridge = await start(settings, database_url)
    try:
        await client.connect()
    finally:
        await client.close()
        await bridge.core.close()


class SettingsProblem(Exception):
    """Required settings are missing or malformed; the message names them, never values."""


def load_settings() -> DiscordSettings:
    try:
        return DiscordSettings()  # type: ignore[call-arg]
    except ValidationError as problem:
        names = sorted({f"DISCORD_{str(e['loc'][0]).upper()}" for e in problem.errors()})
        raise SettingsProblem(f"set or fix {', '.join(names)} (see docs/discord.md)") from None


def main(database_url: str) -> None:
    asyncio.run(run(load_settings(), database_url))
