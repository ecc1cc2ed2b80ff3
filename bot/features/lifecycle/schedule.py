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
    """What a reply's recording schedules with the post's first answer (its first reply by
    someone other than the poster): the best-answer reminder.

    A reply is activity, noted on the post (where the post is taken for the message,
    `early.owner`, or by `touch_post`), which puts off closing. Neither the close nor the
    reminder moves with later replies: when one falls due, its planner puts it off to the
    end of the quiet spell the latest activity (or answer) started
    (bot/features/outcomes/follow_ups.py), so a later reply writes no follow-up row."""
    # The reminder is sent once at most: a fired row is never reopened.
    due = {} if by_poster else {FollowUpKind.BEST_REMINDER: reminder_time(ctx, ctx.now)}
    return FollowUps(ctx.platform, due)


def reminder_time(ctx: Context, answered_at: datetime) -> datetime:
    """When the best-answer reminder is due after an answer at `answered_at`."""
    return answered_at + timedelta(hours=ctx.settings.reminder_quiet_hours)


async def on_relayed_reply(ctx: Context, post: Post) -> None:
    """The poster's relayed words, recorded on their own: activity (the post touched); the
    poster's words schedule nothing (`after_reply`)."""
    await ctx.repo.touch_post(ctx.community_id, post.id, ctx.now)


async def ask_outcome_again(ctx: Context, post: Post, days: int) -> None:
    due = ctx.now + timedelta(days=days)
    await ctx.repo.schedule(post, ctx.platform, {FollowUpKind.OUTCOME_ASK: due}, reopen=True)
    await ctx.repo.update_post(ctx.community_id, post.id, outcome_ask_at=due)


async def on_reopened(ctx: Context, post: Post) -> None:
    """A moderator reopened the post: its close timer starts again from now."""
    await ctx.repo.touch_post(ctx.community_id, post.id, ctx.now)
    await ctx.repo.schedule(post, ctx.platform, {FollowUpKind.CLOSE: close_time(ctx)}, reopen=True)
