"""Durable follow-ups: claim due rows with a lease, fire them, mark them done.

Firing a follow-up is one transaction: decide what it says, store those intents in the
outbox, apply its effect and mark the row done. Delivery follows the commit; whatever
the platform does not take stays in the outbox and is retried by later ticks. A worker
that dies after claiming leaves its rows to another once the lease runs out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Callable, Collection
from datetime import datetime, timedelta

from bot.common.context import Context
from bot.common.failures import log_failure
from bot.contract.intents import Intent
from bot.contract.ports import Capabilities, Outbox
from bot.domain.model import FollowUp, FollowUpKind
from bot.engine.degrading import lower
from bot.engine.delivery import Pending, enqueue, from_rows
from bot.engine.digests import fire as fire_digests
from bot.engine.kernel import Kernel
from bot.engine.retention import Retention
from bot.features.care import pauses
from bot.features.library import suggestions
from bot.features.lifecycle.status_card import load_views
from bot.features.outcomes.follow_ups import Plan
from bot.features.outcomes.follow_ups import plan as plan_follow_up
from bot.store.repo import Repo

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
# A tick holds the database (and, on SQLite, the event loop) while it fires its batch;
# small batches keep member-facing events quick between ticks.
BATCH = 20

OutboxFor = Callable[[str], Outbox | None]
"""Finds the outbox of a community id, or None where this process does not serve it."""
Served = Callable[[], Collection[str]]
"""The community ids a process serves now, when it serves only some (a Discord shard)."""


class Scheduler:
    def __init__(self, kernel: Kernel, worker_id: str, batch: int = BATCH) -> None:
        self._kernel = kernel
        self.worker_id = worker_id
        self.batch = batch
        self.last_claimed = 0
        self.retention = Retention(kernel, worker_id)
        # The communities this worker serves, when it serves only some of its platforms'
        # (a Discord shard); None: every one. Rows of the others are never claimed here.
        self.served: Served | None = None

    def _served(self) -> Collection[str] | None:
        return None if self.served is None else self.served()

    async def claim(self, platforms: frozenset[str]) -> list[FollowUp]:
        """Lease a batch of due rows without firing them (what a worker that dies leaves)."""
        now = self._kernel.clock.now()
        async with self._kernel.store.transaction() as repo:
            return await self._claim(repo, now, platforms)

    async def _claim(self, repo: Repo, now: datetime, platforms: frozenset[str]) -> list[FollowUp]:
        lease_until, served = now + LEASE, self._served()
        claimed = await repo.claim_due(
            now, sorted(platforms), self.worker_id, lease_until, self.batch, communities=served
        )
        self.last_claimed = len(claimed)
        return claimed

    async def tick(self, outbox_for: OutboxFor, platforms: frozenset[str]) -> int:
        """One pass: retry undelivered intents, then fire a batch of due follow-ups.

        Returns how many intents reached a platform, so callers can tick until quiet.
        """
        delivered = await self.retry_undelivered(outbox_for, platforms)
        fired = await self.fire_due(outbox_for, platforms)
        for community_id, removed in (await self.retention.sweep(outbox_for, platforms)).items():
            fired.setdefault(community_id, []).extend(removed)  # retention (my_data)
        sent_digests = await fire_digests(self._kernel, outbox_for, platforms, self.worker_id)
        for community_id, digest in sent_digests.items():
            fired.setdefault(community_id, []).extend(digest)  # weekly digest (library)
        for community_id, pending in fired.items():
            outbox = outbox_for(community_id)
            if outbox is not None:
                delivered += len(await self._send(community_id, pending, outbox))
        return delivered

    async def _send(
        self, community_id: str, pending: list[Pending], outbox: Outbox
    ) -> list[Intent]:
        # Sent as this scheduler: its claims, its back-off.
        return await self._kernel.send(community_id, pending, outbox, owner=self.worker_id)

    async def fire_due(
        self, outbox_for: OutboxFor, platforms: frozenset[str]
    ) -> dict[str, list[Pending]]:
        """Claim a batch, then fire it in one transaction: decide, store in the outbox, finish.

        The claim commits first, so firing takes the posts before touching their follow-up
        rows, in the order every other change to a post does (no deadlock with a member's
        event). A crash after the claim leaves the rows leased until the lease runs out;
        one during the firing undoes it all; after it, the outbox holds the rest.
        """
        kernel, now = self._kernel, self._kernel.clock.now()
        by_community: dict[str, list[FollowUp]] = defaultdict(list)
        for follow_up in await self.claim(platforms):
            # A community not served here is left leased; the lease runs out for a
            # worker that serves it.
            if outbox_for(follow_up.community_id) is not None:
                by_community[follow_up.community_id].append(follow_up)
        pending: dict[str, list[Pending]] = {}
        if not by_community:
            return pending
        async with kernel.store.transaction() as repo:
            for community_id, follow_ups in by_community.items():
                outbox = outbox_for(community_id)
                assert outbox is not None
                ctx = await kernel.context(repo, community_id, now)
                pending[community_id] = await self._fire(ctx, follow_ups, outbox.capabilities)
        return pending

    async def _fire(
        self, ctx: Context, follow_ups: list[FollowUp], capabilities: Capabilities
    ) -> list[Pending]:
        """Decide what each row says, store it, apply its effect and finish it."""
        ids = {f.setback_id for f in follow_ups}
        setbacks = await ctx.repo.posts_by_id(ctx.community_id, ids, lock=True)
        posters = (post.poster_id for post in setbacks.values())
        await ctx.repo.care.prefetch_dm_opt_outs(ctx.community_id, posters)  # asks go to them
        views = await load_views(ctx, setbacks.values())
        batches: dict[str, list[Intent]] = {}
        finished: list[FollowUp] = []
        held = await pauses.held(ctx, follow_ups)  # paused by a crisis alert (care)
        for follow_up in follow_ups:
            if follow_up.id in held:
                await ctx.repo.postpone(follow_up.id, self.worker_id, ctx.now + pauses.RECHECK)
                continue
            view = views.get(follow_up.setback_id)
            if follow_up.kind is FollowUpKind.SUGGESTIONS:
                plan = Plan(tuple(await suggestions.for_post(ctx, view.post if view else None)))
            else:
                plan = plan_follow_up(ctx, follow_up, view)
            if plan.postpone_to is not None:
                await ctx.repo.postpone(follow_up.id, self.worker_id, plan.postpone_to)
                continue
            source = f"follow_up:{follow_up.id}:{follow_up.due_at.isoformat()}"
            batches[source] = await lower(ctx, plan.intents, capabilities)
            if plan.close_post:
                await ctx.repo.update_post(
                    ctx.community_id, follow_up.setback_id, closed_at=ctx.now
                )
            finished.append(follow_up)
            self._kernel.metrics.follow_up_fired(follow_up.kind.value)
        queued = await enqueue(ctx, batches, self.worker_id, self._kernel.policy.lease)
        await ctx.repo.finish_many(finished, self.worker_id, ctx.now)
        return queued

    async def retry_undelivered(self, outbox_for: OutboxFor, platforms: frozenset[str]) -> int:
        """Deliver outbox rows whose earlier delivery failed or was cut short."""
        now = self._kernel.clock.now()
        async with self._kernel.store.transaction() as repo:
            rows = await repo.outbound.claim_due(
                now,
                sorted(platforms),
                self.worker_id,
                now + self._kernel.policy.lease,
                self.batch,
                communities=self._served(),
            )
        by_community: dict[str, list[Pending]] = defaultdict(list)
        for row in rows:
            by_community[row.community_id].extend(from_rows([row]))
        delivered = 0
        for community_id, pending in by_community.items():
            outbox = outbox_for(community_id)
            if outbox is not None:
                delivered += len(await self._send(community_id, pending, outbox))
        return delivered

    async def run(
        self,
        outbox_for: OutboxFor,
        platforms: frozenset[str],
        interval: float = 5.0,
        stop: asyncio.Event | None = None,
    ) -> None:
        """Tick until `stop` is set (the pass in progress finishes first), or forever; a
        full batch means more may be due, so the next tick comes at once."""
        stop = stop or asyncio.Event()
        while not stop.is_set():
            try:
                await self.tick(outbox_for, platforms)
            except Exception as failure:
                log_failure(log, "scheduler tick", failure)
                self.last_claimed = 0
            if self.last_claimed < self.batch:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), interval)
