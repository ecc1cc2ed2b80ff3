"""What a due follow-up says, decided from the post's state at the moment it fires."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from bot.common.context import Context
from bot.contract.intents import (
    Channel,
    DirectTo,
    Intent,
    Link,
    Message,
    Send,
    TrackAs,
    Tracking,
)
from bot.domain.model import FollowUp, FollowUpKind, Post, Reply
from bot.domain.rules import THREAD_PENDING_WAIT
from bot.features.lifecycle import closing
from bot.features.lifecycle.schedule import reminder_time
from bot.features.lifecycle.status_card import PostView, safe_title
from bot.features.outcomes.outcomes import ask_message


@dataclass(frozen=True)
class Plan:
    """Intents to send; then either finish the row (closing the post if asked) or postpone it."""

    intents: tuple[Intent, ...]
    close_post: bool = False
    postpone_to: datetime | None = None


NOTHING = Plan(())


def plan(ctx: Context, follow_up: FollowUp, view: PostView | None) -> Plan:
    """What `follow_up` says now about its post (loaded by the caller, with its batch)."""
    if view is None:
        return NOTHING
    if view.post.thread_ref is None:
        return Plan((), postpone_to=ctx.now + THREAD_PENDING_WAIT)
    planners = {
        FollowUpKind.BEST_REMINDER: _best_reminder,
        FollowUpKind.UNANSWERED_NUDGE: _unanswered_nudge,
        FollowUpKind.OUTCOME_ASK: _outcome_ask,
        FollowUpKind.CLOSE: _close,
    }
    return planners[follow_up.kind](ctx, view)


def _helpers_replies(view: PostView) -> list[Reply]:
    return [r for r in view.replies if not r.by_poster and not r.deleted]


def _pointing_to(post: Post, message: Message) -> Message:
    return replace(message, links=(Link(label=safe_title(post), message_ref=_root(post)),))


def _to_poster(post: Post, message: Message, track: Tracking | None = None) -> Plan:
    return Plan((Send(target=DirectTo(user_id=post.poster_id), message=message, track=track),))


def _best_reminder(ctx: Context, view: PostView) -> Plan:
    """Due a quiet spell after the first answer; put off while later answers came."""
    post, helpers = view.post, _helpers_replies(view)
    if post.is_closed or not helpers or any(r.is_best for r in view.replies):
        return NOTHING
    quiet = reminder_time(ctx, max(reply.created_at for reply in helpers))
    if quiet > ctx.now:
        return Plan((), postpone_to=quiet)
    asked = ctx.message("reminder.best", title=post.title, count=len(helpers))
    return _to_poster(post, _pointing_to(post, asked))


def _unanswered_nudge(ctx: Context, view: PostView) -> Plan:
    post = view.post
    if post.is_closed or _helpers_replies(view):
        return NOTHING
    channel = ctx.settings.helpers_channel or ctx.settings.support_channel
    nudge = ctx.message("nudge.unanswered", title=post.title, hours=ctx.settings.nudge_after_hours)
    return Plan((Send(target=Channel(channel_id=channel), message=_pointing_to(post, nudge)),))


def _outcome_ask(ctx: Context, view: PostView) -> Plan:
    post = view.post
    if post.stop_asking or view.has_outcome:
        return NOTHING
    track = Tracking(kind=TrackAs.OUTCOME_ASK, record_id=post.id)
    return _to_poster(post, ask_message(ctx, post), track)


def _close(ctx: Context, view: PostView) -> Plan:
    post = view.post
    if post.is_closed:
        return NOTHING
    if (quiet := closing.quiet_until(ctx, post)) > ctx.now:
        return Plan((), postpone_to=quiet)
    return Plan(tuple(closing.closing_intents(ctx, view)), close_post=True)


def _root(post: Post) -> str:
    assert post.thread_ref is not None
    return post.thread_ref
