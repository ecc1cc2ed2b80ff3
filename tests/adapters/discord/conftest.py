"""A real discord.py client and the real core, connected to the local fake Discord."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import discord
import pytest
from pydantic import SecretStr

from adapters.discord import endpoints, logs
from adapters.discord.bridge import DiscordBridge
from adapters.discord.client import make_client
from adapters.discord.config import DiscordSettings
from bot.common.clock import ManualClock
from bot.engine.bootstrap import build_rebound
from tests.adapters.discord import payloads as p
from tests.adapters.discord.fake_discord import FakeDiscord
from tests.support import START, shared_content

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


def new_fake(forum_tags: list[dict[str, Any]] | None = None) -> FakeDiscord:
    return FakeDiscord(members=[dict(m) for m in EVERYONE], tags=forum_tags or [])


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    """A started fake Discord with everyone in the server, for tests that connect themselves."""
    running = new_fake()
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


@asynccontextmanager
async def connected(
    database_url: str,
    forum_tags: list[dict[str, Any]] | None = None,
    *,
    fake: FakeDiscord | None = None,
    **overrides: Any,
) -> AsyncIterator[World]:
    """A client connected to a new fake Discord, or to `fake` (which then outlives it:
    a restart)."""
    own_fake = fake is None
    if fake is None:
        fake = new_fake(forum_tags)
        await fake.start()
    try:
        async with connecting(database_url, fake, **overrides) as (world, runner):
            ready = asyncio.create_task(world.bridge.ready.wait())
            await asyncio.wait({ready, runner}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
            if runner.done():
                runner.result()  # raise what stopped the client
            assert world.bridge.ready.is_set(), "the client did not get ready"
            yield world
            if runner.done():
                runner.result()  # the client must still be connected: raise what stopped it
    finally:
        if own_fake:
            await fake.stop()


@asynccontextmanager
async def connecting(
    database_url: str, fake: FakeDiscord, **overrides: Any
) -> AsyncIterator[tuple[World, asyncio.Task[None]]]:
    """A client connecting to `fake`, not waited for (its bridge may not be ready yet),
    and the task that runs its connection."""
    settings = settings_for(fake, **overrides)
    endpoints.point_at(settings.api_url, settings.gateway_url)
    logs.install()
    clock = ManualClock(START)
    core = await build_rebound(database_url, clock, content=shared_content(), worker="discord-test")
    bridge = DiscordBridge(core, settings)
    client = make_client(bridge, settings.shard_count)
    await client.login(settings.token.get_secret_value())
    runner = asyncio.create_task(client.connect(reconnect=False))
    try:
        yield World(fake, bridge, client, clock), runner
    finally:
        await client.close()
        await asyncio.gather(runner, return_exceptions=True)
        await core.close()


class Actions:
    """What members do in the fake guild, as Discord would deliver it; each waits until
    the client has handled it."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.fake = world.fake

    async def interact(self, payload: dict[str, Any]) -> dict[str, Any]:
        await self.fake.interact(payload)
        await self.fake.settle()
        return payload

    def answers_to(self, payload: dict[str, Any]) -> list[Any]:
        token = payload["token"]
        return [c for c in self.fake.calls if f"/{token}" in c.path]

    async def open_setback(self, who: dict[str, Any], anonymous: bool = False) -> dict[str, Any]:
        """`/setback`; returns the modal Discord was asked to show."""
        sent = await self.interact(p.slash_command(who, "setback", {"anonymous": anonymous}))
        modal = next(c.body for c in self.answers_to(sent) if c.body.get("type") == 9)
        return dict(modal["data"])

    async def post_setback(
        self, who: dict[str, Any], anonymous: bool = False, **values: Any
    ) -> str:
        """`/setback`, then the modal filled in; returns the new forum post's thread id."""
        modal = await self.open_setback(who, anonymous)
        before = len(self.fake.forum_posts())
        fields = {"title": "Froze in the screening call", "body": "It went badly.", **values}
        submitted = await self.interact(p.modal_submit(who, modal["custom_id"], fields))
        posts = self.fake.forum_posts()
        assert len(posts) == before + 1, [c.body for c in self.answers_to(submitted)]
        return thread_id_of(self.fake, posts[-1])

    async def anonymous_post_with_a_tip(self) -> tuple[str, dict[str, Any]]:
        """Lena's anonymous post, and Priya's reply in it: (thread id, the reply)."""
        thread = await self.post_setback(LENA, anonymous=True)
        return thread, await self.say(PRIYA, thread, "Write to the recruiter.")

    async def say(self, who: dict[str, Any], thread_id: str, text: str) -> dict[str, Any]:
        message = p.guild_message(p.snowflake(), thread_id, who, text)
        await self.fake.dispatch("MESSAGE_CREATE", message)
        await self.fake.settle()
        return message

    async def mark(
        self, who: dict[str, Any], target: dict[str, Any], name: str = "Mark as best answer"
    ) -> dict[str, Any]:
        return await self.interact(p.message_command(who, name, target))

    async def dm(self, who: dict[str, Any], text: str) -> dict[str, Any]:
        channel = self.fake.dm_channels.setdefault(uid(who), p.snowflake())
        message = p.message(p.snowflake(), channel, who["user"], text, guild=False)
        await self.fake.dispatch("MESSAGE_CREATE", message)
        await self.fake.settle()
        return message

    async def react(self, who: dict[str, Any], target: dict[str, Any], emoji: str) -> None:
        payload = p.reaction_add(who, target["channel_id"], target["id"], emoji)
        await self.fake.dispatch("MESSAGE_REACTION_ADD", payload)
        await self.fake.settle()

    async def unreact(self, who: dict[str, Any], target: dict[str, Any], emoji: str) -> None:
        payload = p.reaction_remove(who, target["channel_id"], target["id"], emoji)
        await self.fake.dispatch("MESSAGE_REACTION_REMOVE", payload)
        await self.fake.settle()


def thread_id_of(fake: FakeDiscord, call: Any) -> str:
    """The id the fake gave the thread a forum-post call created (two posts may share a
    name, so not found by name)."""
    return str(call.response["id"])


def buttons_in(body: dict[str, Any]) -> list[dict[str, Any]]:
    rows = body.get("components") or (body.get("data") or {}).get("components") or []
    return [item for row in rows for item in row.get("components", [])]


@pytest.fixture
def act(discord_world: World) -> Actions:
    return Actions(discord_world)
