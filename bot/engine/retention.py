"""Retention: a community that keeps content for a limited time (`retention_days`, off by
default) has older posts and replies removed, as forget-me removes them, on the scheduler.

Each sweep takes at most `BATCH` posts and replies per community in one transaction with
the outbox rows that edit the bot's own copies on the platform; an item is taken by an
UPDATE that only matches it while it still has its words, so it is removed exactly once,
whichever worker gets there. A community is swept at most once per `EVERY`.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.common.context import Context
from bot.contract.intents import EditMessage, Intent
from bot.engine.delivery import Pending, enqueue
from bot.features.my_data.forget import posts_bot_copies, renamed_threads

if TYPE_CHECKING:
    from bot.engine.kernel import Kernel
    from bot.engine.scheduler import OutboxFor

log = logging.getLogger(__name__)

BATCH = 200
EVERY = timedelta(hours=1)


class Retention:
    def __init__(self, kernel: Kernel, worker_id: str) -> None:
        self._core = kernel
        self._worker_id = worker_id
        self._last: dict[str, datetime] = {}

    async def sweep(
        self, outbox_for: OutboxFor, platforms: frozenset[str]
    ) -> dict[str, list[Pending]]:
        """Remove what is past each community's period; the edits to send, by community."""
        core, now = self._core, self._core.clock.now()
        pending: dict[str, list[Pending]] = {}
        async with core.store.transaction() as repo:
            for community_id, days in await repo.care.retention.communities_keeping_less(platforms):
                last = self._last.get(community_id)
                if outbox_for(community_id) is None or (last and now - last < EVERY):
                    continue
                self._last[community_id] = now
                ctx = await core.context(repo, community_id, now)
                edits = await _expire(ctx, days)
                if edits:
                    source = f"retention:{now.isoformat()}"
                    pending[community_id] = await enqueue(
                        ctx, {source: edits}, self._worker_id, core.policy.lease
                    )
        return pending


async def _expire(ctx: Context, days: int) -> list[Intent]:
    """Take what is older than `days`; the edits of the bot's copies of it."""
    retention, cutoff = ctx.repo.care.retention, ctx.now - timedelta(days=days)
    posts = await retention.expire_posts(ctx.community_id, cutoff, BATCH, ctx.now)
    replies = await retention.expire_replies(ctx.community_id, cutoff, BATCH)
    if posts or replies:
        log.info("retention: %s posts, %s replies removed", len(posts), len(replies))
    removed = ctx.message("retention.removed", days=days)
    relayed = [r["message_ref"] for r in replies if r["relayed"] and r["message_ref"]]
    edits: list[Intent] = [
        EditMessage(message_ref=ref, message=removed)
        for ref in [*relayed, *posts_bot_copies(posts)]
    ]
    return [*edits, *renamed_threads(posts, ctx.say("retention.removed_title", days=days))]
