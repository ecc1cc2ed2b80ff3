"""The tick workers every adapter runs: fire what is due and retry what did not reach the
platform. One implementation, so the adapters only say which platform and how often."""

from __future__ import annotations

import asyncio
from typing import Protocol

from bot.engine.runtime import Rebound
from bot.engine.scheduler import OutboxFor, Scheduler, Served


class Ticks(Protocol):
    async def tick(self, outbox_for: OutboxFor, platforms: frozenset[str]) -> int: ...


class StillFiring(RuntimeError):
    """Ticking did not become quiet within the rounds allowed (a follow-up that keeps
    scheduling itself, say)."""


async def tick_until_quiet(
    core: Ticks,
    outbox_for: OutboxFor,
    platforms: frozenset[str],
    max_rounds: int | None = None,
) -> int:
    """Tick until a pass delivers nothing; returns how many intents reached the platform."""
    total, rounds = 0, 0
    while (sent := await core.tick(outbox_for, platforms)) > 0:
        total += sent
        rounds += 1
        if max_rounds is not None and rounds >= max_rounds:
            raise StillFiring(f"still firing after {max_rounds} rounds")
    return total


def schedulers(core: Rebound, senders: int) -> list[Scheduler]:
    """The core's scheduler and `senders - 1` more: each claims its own batches, so one
    batch waiting on a paced channel does not hold back the rest."""
    extra = [Scheduler(core.kernel, f"{core.worker_id}/{n}") for n in range(1, senders)]
    return [core.scheduler, *extra]


async def run_workers(
    core: Rebound,
    outbox_for: OutboxFor,
    platforms: frozenset[str],
    interval: float,
    stop: asyncio.Event,
    *,
    senders: int = 1,
    served: Served | None = None,
) -> None:
    """Run `senders` tick loops until `stop` is set; each finishes the pass it is in. With
    `served`, they claim only those communities' follow-ups and retries (a shard leaves
    the others' rows to the shard that serves them, rather than leasing them for nothing)."""
    running = schedulers(core, senders)
    for scheduler in running:
        scheduler.served = served
    await asyncio.gather(*(s.run(outbox_for, platforms, interval, stop=stop) for s in running))
