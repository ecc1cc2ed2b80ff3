"""The weekly digest to the helpers' channel: new setbacks, those still unanswered, outcomes
shared and newly featured answers (with links), at each community's day and hour (UTC; a
community without a day, the default, gets none).

Sent exactly once per week: the week is claimed (`digest_sent`, a primary key) in the
transaction that stores the digest in the outbox, so two workers racing, or a worker
catching up after downtime, store it once, and the outbox delivers it once. A week whose
moment passed while nobody was running is sent on the next tick; older missed weeks are
not (the latest digest covers what matters). A community's first digest is the first
moment after it was created.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.delivery import Pending, enqueue
from bot.features.library.search import hit_line, hit_link
from bot.intents import Channel, Message, Send
from bot.lowering import lower
from bot.ports import Outbox
from bot.services.context import Context
from bot.store.library_repo import Hit

if TYPE_CHECKING:
    from collections.abc import Callable

    from bot.runtime import Rebound

WEEK = timedelta(days=7)
FEATURED_SHOWN = 10


def week_moment(now: datetime, weekday: int, hour: int) -> datetime:
    """The latest digest moment (weekday at hour:00 UTC) at or before `now`."""
    day = now.replace(hour=hour % 24, minute=0, second=0, microsecond=0)
    day -= timedelta(days=(day.weekday() - weekday % 7) % 7)
    return day if day <= now else day - WEEK


async def fire(
    core: Rebound,
    outbox_for: Callable[[str], Outbox | None],
    platforms: frozenset[str],
    worker_id: str,
) -> dict[str, list[Pending]]:
    """Store the digests that are due (each in its own transaction), to be sent."""
    now = core.clock.now()
    async with core.store.transaction() as repo:
        communities = await repo.library.digest.communities(sorted(platforms))
    pending: dict[str, list[Pending]] = {}
    for community_id, created_at in communities:
        outbox = outbox_for(community_id)
        if outbox is None:
            continue
        async with core.store.transaction() as repo:
            ctx = await core.context(repo, community_id, now)
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
                ctx, {f"digest:{week}": intents}, worker_id, core.policy.lease
            )
    return pending


async def digest_message(ctx: Context, moment: datetime) -> Message:
    since = moment - WEEK
    counts = await ctx.repo.library.digest.counts(ctx.community_id, since, moment)
    ids = await ctx.repo.library.digest.featured_between(ctx.community_id, since, moment)
    featured = await ctx.repo.library.visible_featured(ctx.community_id, ids)
    hits = [Hit(featured=f, score=0.0) for f in featured[:FEATURED_SHOWN]]
    cards = await ctx.repo.library.cards(ctx.community_id, [hit.featured for hit in hits])
    lines = [
        ctx.say("digest.header", since=ctx.day(since)),
        ctx.say(
            "digest.counts", new=counts.new, unanswered=counts.unanswered, outcomes=counts.outcomes
        ),
    ]
    if hits:
        lines.append(ctx.say("digest.featured", count=len(hits)))
        lines.extend(hit_line(ctx, hit, cards.get(hit.featured.id)) for hit in hits)
    links = tuple(
        link for hit in hits if (link := hit_link(ctx, hit, cards.get(hit.featured.id))) is not None
    )
    return Message(text="\n".join(lines), links=links, key="digest.header")
