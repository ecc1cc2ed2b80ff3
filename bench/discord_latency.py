"""Interaction and message latency of the Discord adapter, next to a bare discord.py client.

Everything runs in one process against the local fake Discord of the tests (REST and a
JSON gateway on 127.0.0.1), so the figures measure discord.py plus Rebound, not a network:

* `/setback`: from dispatching its INTERACTION_CREATE on the gateway to the fake recording
  the interaction callback (Rebound answers with the modal, after the core decided so; the
  bare client answers with a fixed ephemeral message).
* message: from dispatching a MESSAGE_CREATE in a forum post to the reply being stored
  (Rebound's `handle` returned; the bare client's `on_message` ran).

Rebound runs on a fresh SQLite file (WAL, synchronous=FULL), as in production on one host.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import discord
from discord import app_commands
from pydantic import SecretStr

from adapters.discord import endpoints
from adapters.discord.bridge import DiscordBridge
from adapters.discord.client import intents, make_client
from adapters.discord.config import DiscordSettings
from bench.common import BenchResult, percentile
from bot.common.clock import SystemClock
from bot.contract.events import InboundEvent
from bot.contract.intents import Intent
from bot.contract.ports import Outbox
from bot.engine.bootstrap import build_rebound
from tests.adapters.discord import payloads as p
from tests.adapters.discord.fake_discord import Call, FakeDiscord

NAME = "discord_latency"
TITLE = "Discord adapter latency through the local fake: Rebound vs a bare discord.py client"
FULL_SAMPLES = 300
QUICK_SAMPLES = 10
MEMBER = p.member(740000000000000001, "Bench Member")


@dataclass
class Samples:
    setback_ms: list[float] = field(default_factory=list)
    message_ms: list[float] = field(default_factory=list)


class StoredTimes:
    """Wraps the core's `handle` to note when each event's reply has been stored."""

    def __init__(self, handle: Callable[[InboundEvent, Outbox], Awaitable[list[Intent]]]) -> None:
        self._handle = handle
        self.done: dict[str, asyncio.Future[float]] = {}

    def expect(self, event_id: str) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.done[event_id] = future
        return future

    async def handle(self, event: InboundEvent, outbox: Outbox) -> list[Intent]:
        intents = await self._handle(event, outbox)
        future = self.done.pop(event.event_id, None)
        if future is not None and not future.done():
            future.set_result(time.perf_counter())
        return intents


class BareClient(discord.Client):
    """Only answers: `/setback` with a fixed ephemeral message, messages by noting them."""

    def __init__(self) -> None:
        super().__init__(intents=intents(), guild_ready_timeout=0.1)
        self.tree = app_commands.CommandTree(self)
        self.ready = asyncio.Event()
        self.seen: dict[str, asyncio.Future[float]] = {}

        async def post(interaction: discord.Interaction, anonymous: bool = False) -> None:
            await interaction.response.send_message("ok", ephemeral=True)

        self.tree.add_command(app_commands.Command(name="setback", description="x", callback=post))

    async def on_ready(self) -> None:
        self.ready.set()

    async def on_message(self, message: discord.Message) -> None:
        future = self.seen.pop(f"message:{message.id}", None)
        if future is not None:
            future.set_result(time.perf_counter())


def _callback_of(token: str) -> Callable[[Call], bool]:
    return lambda call: call.path.endswith(f"/{token}/callback")


async def _measure(
    fake: FakeDiscord, samples: int, thread_id: str, stored: Callable[[str], asyncio.Future[float]]
) -> Samples:
    found = Samples()
    for _ in range(samples):
        payload = p.slash_command(MEMBER, "setback")
        answered = fake.next_call(_callback_of(payload["token"]))
        started = time.perf_counter()
        await fake.interact(payload)
        await answered
        found.setback_ms.append((time.perf_counter() - started) * 1000)

        message = p.guild_message(p.snowflake(), thread_id, MEMBER, "A reply worth keeping.")
        done = stored(f"message:{message['id']}")
        started = time.perf_counter()
        await fake.dispatch("MESSAGE_CREATE", message)
        found.message_ms.append((await done - started) * 1000)
    return found


async def _connect(
    fake: FakeDiscord, client: discord.Client, ready: asyncio.Event
) -> asyncio.Task[None]:
    await client.login("bench-token")
    runner = asyncio.create_task(client.connect(reconnect=False))
    await asyncio.wait_for(ready.wait(), 10)
    return runner


async def _bare(samples: int, thread_id: str) -> Samples:
    fake = FakeDiscord(members=[MEMBER])
    fake.channels[thread_id] = p.thread(thread_id, "A post", 740000000000000001)
    await fake.start()
    endpoints.point_at(fake.api_url, fake.gateway_url)
    client = BareClient()
    runner = await _connect(fake, client, client.ready)

    def seen(event_id: str) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        client.seen[event_id] = future
        return future

    try:
        return await _measure(fake, samples, thread_id, seen)
    finally:
        await client.close()
        await asyncio.gather(runner, return_exceptions=True)
        await fake.stop()


async def _rebound(samples: int, workdir: Path) -> Samples:
    fake = FakeDiscord(members=[MEMBER])
    await fake.start()
    settings = DiscordSettings(
        token=SecretStr("bench-token"),
        support_forum_id=p.FORUM_ID,
        api_url=fake.api_url,
        gateway_url=fake.gateway_url,
        sync_commands=False,
        tick_seconds=3600.0,
    )
    endpoints.point_at(settings.api_url, settings.gateway_url)
    core = await build_rebound(f"sqlite+aiosqlite:///{workdir / 'discord.db'}", SystemClock())
    stored = StoredTimes(core.handle)
    core.handle = stored.handle  # type: ignore[method-assign]
    bridge = DiscordBridge(core, settings)
    client = make_client(bridge, None)
    runner = await _connect(fake, client, bridge.ready)
    try:
        thread_id = await _a_post(fake)
        return await _measure(fake, samples, thread_id, stored.expect)
    finally:
        await client.close()
        await asyncio.gather(runner, return_exceptions=True)
        await core.close()
        await fake.stop()


async def _a_post(fake: FakeDiscord) -> str:
    """A forum post a member made, adopted, for the replies to go in."""
    thread_id = p.snowflake()
    fake.channels[thread_id] = p.thread(thread_id, "Froze in the panel", 740000000000000001)
    status = fake.next_call(lambda call: call.path == f"/channels/{thread_id}/messages")
    await fake.dispatch("THREAD_CREATE", {**fake.channels[thread_id], "newly_created": True})
    await fake.dispatch(
        "MESSAGE_CREATE", p.guild_message(thread_id, thread_id, MEMBER, "It went badly.")
    )
    await status
    return thread_id


def _add(result: BenchResult, side: str, found: Samples) -> None:
    for label, values in (
        ("/setback to callback", found.setback_ms),
        ("message to stored", found.message_ms),
    ):
        for q in (50, 99):
            result.add(f"{side} {label} p{q}", percentile(values, q), "ms", key=(side == "rebound"))


async def run(
    quick: bool = False, samples: int | None = None, workdir: Path | None = None
) -> BenchResult:
    n = samples or (QUICK_SAMPLES if quick else FULL_SAMPLES)
    result = BenchResult(NAME, TITLE)
    with tempfile.TemporaryDirectory(prefix="rebound-bench-", dir=workdir) as tmp:
        bare = await _bare(n, p.snowflake())
        rebound = await _rebound(n, Path(tmp))
    _add(result, "bare", bare)
    _add(result, "rebound", rebound)
    result.notes.append(
        f"{n} samples each, one after another; Rebound answers /setback with the modal after "
        "the core recorded the command (SQLite file, synchronous=FULL); the bare client "
        "answers at once and stores nothing."
    )
    return result
