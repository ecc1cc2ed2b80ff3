"""Durable follow-ups: claim due rows with a lease, fire them, mark them done.

Delivery is at least once: a worker that dies after sending but before marking leaves
the row to fire again once its lease runs out, so the window between is kept small.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.domain.model import FollowUp
from bot.ports import DeliveryFailed, Outbox
from bot.services import due

if TYPE_CHECKING:
    from bot.runtime import Rebound

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
BATCH = 100
RETRY_BASE = timedelta(minutes=1)
RETRY_MAX = timedelta(hours=6)


def retry_delay(attempts: int) -> timedelta:
    """Exponential back-off for a follow-up the platform would not take."""
    factor: int = 2 ** max(attempts - 1, 0)
    return min(RETRY_BASE * factor, RETRY_MAX)


class Scheduler:
    def __init__(self, core: Rebound, worker_id: str, batch: int = BATCH) -> None:
        self._core = core
        self.worker_id = worker_id
        self.batch = batch
        self.last_claimed = 0

    async def claim(self, platforms: frozenset[str]) -> list[FollowUp]:
        now = self._core.clock.now()
        async with self._core.store.transaction() as repo:
            return await repo.claim_due(
                now, sorted(platforms), self.worker_id, now + LEASE, self.batch
            )

    async def tick(
        self, outbox_for: Callable[[str], Outbox | None], platforms: frozenset[str]
    ) -> int:
        """One pass: claim a batch of due rows and fire each; returns how many were sent."""
        fired = 0
        claimed = await self.claim(platforms)
        self.last_claimed = len(claimed)
        for follow_up in claimed:
            outbox = outbox_for(follow_up.community_id)
            if outbox is not None and await self.fire(follow_up, outbox):
                fired += 1
        return fired

    async def fire(self, follow_up: FollowUp, outbox: Outbox) -> bool:
        core, now = self._core, self._core.clock.now()
        async with core.store.transaction() as repo:
            ctx = await core.context(repo, follow_up.community_id, now)
            plan = await due.plan(ctx, follow_up)
        if plan.postpone_to is not None:
            async with core.store.transaction() as repo:
                await repo.postpone(follow_up.id, self.worker_id, plan.postpone_to)
            return False
        try:
            delivered = await core.deliver(follow_up.community_id, plan.intents, outbox)
        except DeliveryFailed as failure:
            retry_at = now + retry_delay(follow_up.attempts)
            log.warning(
                "follow-up %s not delivered (%s); retry at %s", follow_up.id, failure, retry_at
            )
            async with core.store.transaction() as repo:
                await repo.postpone(follow_up.id, self.worker_id, retry_at)
            return False
        async with core.store.transaction() as repo:
            if plan.close_post:
                await repo.update_setback(
                    follow_up.community_id, follow_up.setback_id, closed_at=now
                )
            await repo.finish(follow_up.id, self.worker_id, now)
        return bool(delivered)

    async def run(
        self,
        outbox_for: Callable[[str], Outbox | None],
        platforms: frozenset[str],
        interval: float = 5.0,
    ) -> None:
        """Tick forever; a full batch means more may be due, so the next tick comes at once."""
        while True:
            try:
                await self.tick(outbox_for, platforms)
            except Exception:
                log.exception("scheduler tick failed; trying again")
                self.last_claimed = 0
            if self.last_claimed < self.batch:
                await asyncio.sleep(interval)
