"""A real discord.py client and the real core, connected to the local fake Discord."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import discord
import pytest
from pydantic import SecretStr

from adapters.discord import endpoints, logs
from adapters.discord.bridge import DiscordBridge
from adapters.discord.client import make_client
from adapters.discord.config import DiscordSettings
from bot.bootstrap import build_rebound
from bot.clock import ManualClock
from tests.adapters.discord import payloads as p
from tests.adapters.discord.fake_discord import FakeDiscord
from tests.support import START

# The anonymous poster: a distinctive id and name the canary looks for everywhere.
LENA = p.member(733100000000000001, "Lenacanary Quist")
TOMAS = p.member(733100000000000002, "Tomás")
PRIYA = p.member(733100000000000003, "Priya")
DEV = p.member(733100000000000004, "Dev")
ADE = p.member(733100000000000005, "Ade")
SAM = p.member(733100000000000006, "Sam", roles=(p.MOD_ROLE_ID,))
EVERYONE = [LENA, TOMAS, PRIYA, DEV, ADE, SAM]


def uid(who: dict[str, Any]) -> str:
    return str(who["user"]["id"])


def settings_for(fake: FakeDiscord, **overrides: Any) -> DiscordSettings:
    values: dict[str, Any] = {
        "token": SecretStr("fake-bot-token-never-logged"),
        "support_forum_id": p.FORUM_ID,
        "helpers_channel_id": p.HELPERS_ID,
        "moderator_role_id": p.MOD_ROLE_ID,
        "command_guild_ids": [p.GUILD_ID],
        "api_url": fake.api_url,
        "gateway_url": fake.gateway_url,
        "tick_seconds": 3600.0,
        "appreciation_emoji": "👍",
        **overrides,
    }
    return DiscordSettings(**values)


@dataclass
class World:
    fake: FakeDiscord
    bridge: DiscordBridge
    client: discord.Client
    clock: ManualClock

    async def tick(self, hours: float = 0) -> int:
        from datetime import timedelta

        self.clock.advance(timedelta(hours=hours))
        return await self.bridge.tick()


@pytest.fixture
async def discord_world(sqlite_url: str) -> AsyncIterator[World]:
    async with connected(sqlite_url) as world:
        yield world


from contextlib import asynccontextmanager  # noqa: E402


@asynccontextmanager
async def connected(database_url: str, **overrides: Any) -> AsyncIterator[World]:
    fake = FakeDiscord(members=[dict(m) for m in EVERYONE])
    await fake.start()
    settings = settings_for(fake, **overrides)
    endpoints.point_at(settings.api_url, settings.gateway_url)
    logs.install()
    clock = ManualClock(START)
    core = await build_rebound(database_url, clock, worker="discord-test")
    bridge = DiscordBridge(core, settings)
    client = make_client(bridge, settings.shard_count)
    await client.login(settings.token.get_secret_value())
    runner = asyncio.create_task(client.connect(reconnect=False))
    try:
        await asyncio.wait_for(bridge.ready.wait(), 10)
        yield World(fake, bridge, client, clock)
    finally:
        await client.close()
        await asyncio.gather(runner, return_exceptions=True)
        await core.close()
        await fake.stop()
