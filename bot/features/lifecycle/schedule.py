"""When follow-ups fall due: the scheduling rules that react to what happens in a post."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.common.context import Context
from bot.domain.model import FollowUpKind, Post
from bot.features.lifecycle.closing import close_time


async def on_posted(ctx: Context, post: Post) -> None:
    """A new post: similar setbacks at once, nudge helpers if unanswered, ask about the
    outcome, close when quiet."""
    due = {
        FollowUpKind.SUGGESTIONS: ctx.now,
        FollowUpKind.UNANSWERED_NUDGE: ctx.now + timedelta(hours=ctx.settings.nudge_after_hours),
        FollowUpKind.OUTCOME_ASK: post.outcome_ask_at,
        FollowUpKind.CLOSE: close_time(ctx),
    }
    await ctx.repo.schedule(post, ctx.platform, due, reopen=False)


async def on_reply(ctx: Context, post: Post, *, first_answer: bool) -> None:
    """A reply is activity, which puts off closing; the first answer (a reply by someone
    other than the poster) schedules the best-answer reminder.

    Neither row moves with later replies: when one falls due, its planner puts it off to
    the end of the quiet spell the latest activity (or answer) started
    (bot/features/outcomes/follow_ups.py), so a reply writes no follow-up row."""
    if post.last_activity_at < ctx.now:  # not noted already where the post was taken
        await ctx.repo.touch_post(ctx.community_id, post.id, ctx.now)
    if first_answer:
        # The reminder is sent once at most: a fired row is never reopened.
        due = {FollowUpKind.BEST_REMINDER: reminder_time(ctx, ctx.now)}
        await ctx.repo.schedule(post, ctx.platform, due, reopen=False)


def reminder_time(ctx: Context, answered_at: datetime) -> datetime:
    """When the best-answer reminder is due after an answer at `answered_at`."""
    return answered_at + timedelta(hours=ctx.settings.reminder_quiet_hours)


async def ask_outcome_again(ctx: Context, post: Post, days: int) -> None:
    due = ctx.now + timedelta(days=days)
    await ctx.repo.schedule(post, ctx.platform, {FollowUpKind.OUTCOME_ASK: due}, reopen=True)
    await ctx.repo.update_post(ctx.community_id, post.id, outcome_ask_at=due)


async def on_reopened(ctx: Context, post: Post) -> None:
    """A moderator reopened the post: its close timer starts again from now."""
    await ctx.repo.touch_post(ctx.community_id, post.id, ctx.now)
    await ctx.repo.schedule(post, ctx.platform, {FollowUpKind.CLOSE: close_time(ctx)}, reopen=True)
