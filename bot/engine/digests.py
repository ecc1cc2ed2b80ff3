"""Firing the weekly digests that are due (what a digest says: bot/features/library/digest.py)."""

from __future__ import annotations

from collections.abc import Callable

from bot.contract.intents import Channel, Send
from bot.contract.ports import Outbox
from bot.engine.degrading import lower
from bot.engine.delivery import Pending, enqueue
from bot.engine.kernel import Kernel
from bot.features.library.digest import digest_message, week_moment


async def fire(
    kernel: Kernel,
    outbox_for: Callable[[str], Outbox | None],
    platforms: frozenset[str],
    worker_id: str,
) -> dict[str, list[Pending]]:
    """Store the digests that are due (each in its own transaction), to be sent."""
    now = kernel.clock.now()
    async with kernel.store.transaction() as repo:
        communities = await repo.library.digest.communities(sorted(platforms))
    pending: dict[str, list[Pending]] = {}
    for community_id, created_at in communities:
        outbox = outbox_for(community_id)
        if outbox is None:
            continue
        async with kernel.store.transaction() as repo:
            ctx = await kernel.context(repo, community_id, now)
            helpers, weekday = ctx.settings.helpers_channel, ctx.settings.digest_weekday
            if not helpers or weekday is None:
                continue
            moment = week_moment(now, weekday, ctx.settings.digest_hour)
            if moment <= created_at:
                continue
            week = moment.date().isoformat()
            if not await repo.library.digest.claim(community_id, week, now):
                continue
            message = await digest_message(ctx, moment)
            intents = await lower(
                ctx,
                [Send(target=Channel(channel_id=helpers), message=message)],
                outbox.capabilities,
            )
            pending[community_id] = await enqueue(
                ctx, {f"digest:{week}": intents}, worker_id, kernel.policy.lease
            )
    return pending
