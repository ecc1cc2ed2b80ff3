"""When follow-ups fall due: the scheduling rules that react to what happens in a post."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.common.context import Context
from bot.domain.model import FollowUpKind, Post
from bot.features.lifecycle.closing import close_time
from bot.store.followup_repo import FollowUps


def on_posted(ctx: Context, outcome_ask_at: datetime) -> FollowUps:
    """A new post's (stored with it): similar setbacks at once, nudge helpers if
    unanswered, ask about the outcome, close when quiet."""
    due = {
        FollowUpKind.SUGGESTIONS: ctx.now,
        FollowUpKind.UNANSWERED_NUDGE: ctx.now + timedelta(hours=ctx.settings.nudge_after_hours),
        FollowUpKind.OUTCOME_ASK: outcome_ask_at,
        FollowUpKind.CLOSE: close_time(ctx),
    }
    return FollowUps(ctx.platform, due)


def after_reply(ctx: Context, by_poster: bool) -> FollowUps:
    """A reply's (stored with it; a reply is activity, which postpones closing): a
    helper's reply (re)starts the best-answer quiet spell."""
    due = {FollowUpKind.CLOSE: close_time(ctx)}
    if not by_poster:
        # The reminder is sent once at most: a fired row is never reopened.
        due[FollowUpKind.BEST_REMINDER] = ctx.now + timedelta(
            hours=ctx.settings.reminder_quiet_hours
        )
    return FollowUps(ctx.platform, due)


async def on_reply(ctx: Context, post: Post, by_poster: bool) -> None:
    """A reply recorded on its own (relayed): the post touched, `after_reply` scheduled."""
    await ctx.repo.touch_post(ctx.community_id, post.id, ctx.now)
    due = after_reply(ctx, by_poster).due
    await ctx.repo.schedule(post, ctx.platform, due, reopen=False)


async def ask_outcome_again(ctx: Context, post: Post, days: int) -> None:
    due = ctx.now + timedelta(days=days)
    await ctx.repo.schedule(post, ctx.platform, {FollowUpKind.OUTCOME_ASK: due}, reopen=True)
    await ctx.repo.update_post(ctx.community_id, post.id, outcome_ask_at=due)


async def on_reopened(ctx: Context, post: Post) -> None:
    """A moderator reopened the post: its close timer starts again from now."""
    await ctx.repo.touch_post(ctx.community_id, post.id, ctx.now)
    await ctx.repo.schedule(post, ctx.platform, {FollowUpKind.CLOSE: close_time(ctx)}, reopen=True)
