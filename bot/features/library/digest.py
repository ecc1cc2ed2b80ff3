"""The weekly digest to the helpers' channel: new setbacks, those still unanswered, outcomes
shared and newly featured answers (with links), at each community's day and hour (UTC; a
community without a day, the default, gets none).

Sent (bot/engine/digests.py) exactly once per week: the week is claimed (`digest_sent`, a
primary key) in the transaction that stores the digest in the outbox, so two workers racing,
or a worker catching up after downtime, store it once, and the outbox delivers it once. A
week whose moment passed while nobody was running is sent on the next tick; older missed
weeks are not (the latest digest covers what matters). A community's first digest is the
first moment after it was created."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.common.context import Context
from bot.contract.intents import Message
from bot.features.library.search import hit_line, hit_link
from bot.store.library_repo import Hit

WEEK = timedelta(days=7)
FEATURED_SHOWN = 10


def week_moment(now: datetime, weekday: int, hour: int) -> datetime:
    """The latest digest moment (weekday at hour:00 UTC) at or before `now`."""
    day = now.replace(hour=hour % 24, minute=0, second=0, microsecond=0)
    day -= timedelta(days=(day.weekday() - weekday % 7) % 7)
    return day if day <= now else day - WEEK


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
