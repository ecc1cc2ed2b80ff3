"""The tick loop: fires due follow-ups and retries undelivered intents for Discord."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.engine.runtime import Rebound
from bot.engine.scheduler import OutboxFor
from bot.kernel.failures import log_failure

log = logging.getLogger(__name__)

PLATFORM = "discord"


async def tick_until_done(core: Rebound, outbox_for: OutboxFor) -> int:
    """Tick until nothing is due; returns how many intents reached Discord."""
    total = 0
    while (sent := await core.tick(outbox_for, frozenset({PLATFORM}))) > 0:
        total += sent
    return total


async def tick_forever(
    core: Rebound, outbox_for: OutboxFor, seconds: float, stop: asyncio.Event | None = None
) -> None:
    """Tick every `seconds` until `stop` is set (the pass in progress finishes first)."""
    stop = stop or asyncio.Event()
    while not stop.is_set():
        try:
            await tick_until_done(core, outbox_for)
        except Exception as failure:  # the loop must outlive any one bad tick
            log_failure(log, "discord tick", failure)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)
