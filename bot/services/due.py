"""What a due follow-up says, decided from the post's state at the moment it fires."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.domain.model import FollowUp, FollowUpKind, Setback
from bot.intents import (
    Channel,
    CloseThread,
    DirectTo,
    Intent,
    Link,
    Message,
    Send,
    Thread,
)
from bot.services.context import Context
from bot.services.outcomes import ask_message
from bot.services.status import refresh


@dataclass(frozen=True)
class Plan:
    """Intents to send; then either finish the row (closing the post if asked) or postpone it."""

    intents: list[Intent]
    close_post: bool = False
    postpone_to: datetime | None = None


NOTHING = Plan([])


async def plan(ctx: Context, follow_up: FollowUp, setback: Setback | None) -> Plan:
    """What `follow_up` says now about `setback` (loaded by the caller, with its batch)."""
    if setback is None or setback.thread_ref is None:
        return NOTHING
    planners = {
        FollowUpKind.BEST_REMINDER: _best_reminder,
        FollowUpKind.UNANSWERED_NUDGE: _unanswered_nudge,
        FollowUpKind.OUTCOME_ASK: _outcome_ask,
        FollowUpKind.CLOSE: _close,
    }
    return await planners[follow_up.kind](ctx, setback)


async def _best_reminder(ctx: Context, setback: Setback) -> Plan:
    replies = await ctx.repo.replies(ctx.community_id, setback.id)
    helpers = [r for r in replies if not r.by_poster and not r.deleted]
    if setback.is_closed or not helpers or any(r.is_best for r in replies):
        return NOTHING
    text = ctx.say("reminder.best", title=setback.title, count=len(helpers))
    message = Message(text=text, links=(Link(label=setback.title, message_ref=_root(setback)),))
    return Plan([Send(target=DirectTo(user_id=setback.poster_id), message=message)])


async def _unanswered_nudge(ctx: Context, setback: Setback) -> Plan:
    replies = await ctx.repo.replies(ctx.community_id, setback.id)
    if setback.is_closed or any(not r.by_poster and not r.deleted for r in replies):
        return NOTHING
    channel = ctx.settings.helpers_channel or ctx.settings.support_channel
    text = ctx.say("nudge.unanswered", title=setback.title, hours=ctx.settings.nudge_after_hours)
    message = Message(text=text, links=(Link(label=setback.title, message_ref=_root(setback)),))
    return Plan([Send(target=Channel(channel_id=channel), message=message)])


async def _outcome_ask(ctx: Context, setback: Setback) -> Plan:
    if setback.stop_asking:
        return NOTHING
    return Plan(
        [Send(target=DirectTo(user_id=setback.poster_id), message=ask_message(ctx, setback))]
    )


async def _close(ctx: Context, setback: Setback) -> Plan:
    if setback.is_closed:
        return NOTHING
    quiet_until = setback.last_activity_at + timedelta(days=ctx.settings.close_after_days)
    if quiet_until > ctx.now:
        return Plan([], postpone_to=quiet_until)
    assert setback.thread_ref is not None
    note = ctx.message("thread.closed_note", days=ctx.settings.close_after_days)
    closed = replace(setback, closed_at=ctx.now)
    intents: list[Intent] = [
        Send(target=Thread(thread_ref=setback.thread_ref), message=note),
        *await refresh(ctx, closed),
        CloseThread(thread_ref=setback.thread_ref),
    ]
    return Plan(intents, close_post=True)


def _root(setback: Setback) -> str:
    assert setback.thread_ref is not None
    return setback.thread_ref
