"""`/rebound mine`: outcome asks waiting for the member (due, not yet answered), each with
its buttons: where an opted-out member finds what would have come by DM."""

from __future__ import annotations

from bot.common.context import Context
from bot.contract.intents import Intent, Notice
from bot.domain.model import FollowUpKind, Member
from bot.features.outcomes.outcomes import ask_message

POSTS_LOOKED_AT = 50


async def waiting_asks(ctx: Context, actor: Member) -> list[Intent]:
    """The outcome asks due and unanswered, each with its buttons; nothing if none."""
    posts = await ctx.repo.posts_by_poster(ctx.community_id, actor.user_id, POSTS_LOOKED_AT)
    asked = [p for p in posts if not (p.is_closed or p.stop_asking or p.is_withdrawn)]
    due = await ctx.repo.pending_due_ats((p.id for p in asked), FollowUpKind.OUTCOME_ASK)
    # Held asks are postponed an hour at a time: the post's own ask date says they are due.
    waiting = [p for p in asked if p.id in due and p.outcome_ask_at <= ctx.now]
    if not waiting:
        return []
    heading = ctx.notice(actor, "mine.heading")
    asks = [Notice(user_id=actor.user_id, message=ask_message(ctx, post)) for post in waiting]
    return [heading, *asks]
