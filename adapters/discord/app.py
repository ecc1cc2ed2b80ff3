"""`rebound discord`: the adapter's entry point."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord
from pydantic import ValidationError

from adapters.discord import endpoints, logs
from adapters.discord.bridge import DiscordBridge
from adapters.discord.client import make_client
from adapters.discord.config import DiscordSettings
from adapters.discord.inbound import PLATFORM
from adapters.lifecycle import Deadline, stop_requested
from adapters.ops_http import Ops
from adapters.ops_settings import OpsSettings
from bot.api import SystemClock, build_rebound, create_engine

log = logging.getLogger(__name__)

GATEWAY_CHECK = "discord_gateway"


async def start(
    settings: DiscordSettings, database_url: str, ops: Ops | None = None
) -> tuple[discord.Client, DiscordBridge]:
    """A logged-in client, not yet connected (tests connect it to a fake). With `ops`, the
    core records into its metrics and readiness waits for the gateway."""
    endpoints.point_at(settings.api_url, settings.gateway_url)
    logs.install()
    core = await build_rebound(database_url, SystemClock())
    bridge = DiscordBridge(core, settings)
    options: dict[str, Any] = {}
    if ops is not None:
        observe(bridge, ops)
        options["http_trace"] = ops.recorder.trace_config(PLATFORM)
    client = make_client(bridge, settings.shard_count, settings.shard_id, **options)
    if ops is not None:
        # Ready once the bridge serves its guilds (set up, commands synced), not merely
        # when the gateway said READY: an interaction before that would find no server.
        ops.require(
            GATEWAY_CHECK,
            lambda: client.is_ready() and not client.is_closed() and bridge.ready.is_set(),
        )
    await client.login(settings.token.get_secret_value())
    return client, bridge


def observe(bridge: DiscordBridge, ops: Ops) -> None:
    """The core records into the ops' metrics, and so does the bridge each answer's delay."""
    recorder = ops.recorder
    bridge.core.metrics = recorder
    bridge.on_ack = lambda seconds: recorder.acknowledged("discord_interaction", seconds)


def discord_ops(database_url: str) -> Ops:
    """Served before the client is built (health answers during a long start); not ready
    until the gateway check, which `start` adds, passes."""
    return Ops(create_engine(database_url), expecting=[GATEWAY_CHECK])


async def run(settings: DiscordSettings, database_url: str) -> None:
    """Until SIGTERM or SIGINT; then stop in order (`DiscordBridge.stop`) and return.
    /healthz, /readyz and /metrics are served on `REBOUND_HTTP_PORT` when it is set."""
    stop = stop_requested()
    ops = discord_ops(database_url)
    port = OpsSettings().http_port
    server = await ops.serve(port) if port is not None else None
    client, bridge = await start(settings, database_url, ops)
    connection = asyncio.create_task(client.connect())
    stopped = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({connection, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if connection.done():
            connection.result()  # raise what ended the connection
    finally:
        stopped.cancel()
        await bridge.stop(Deadline())
        await client.close()
        await asyncio.gather(connection, return_exceptions=True)
        await bridge.core.close()
        if server is not None:
            await server.cleanup()
        await ops.engine.dispose()
        log.info("stopped")


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
