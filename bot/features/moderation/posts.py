"""Moderators' actions on a whole post: lock and reopen, retag, and a note in its thread.

A locked post is closed at once (its thread locked where the platform has locking) and
takes no replies; reopening clears it and restarts the close timer. Each takes the post
first, so two moderators acting at once go one after the other.
"""

from __future__ import annotations

from dataclasses import replace

from bot.common.audit import record
from bot.common.context import Context
from bot.contract.intents import CloseThread, Intent, Send, Thread
from bot.domain.errors import RuleViolation
from bot.domain.model import FollowUpKind, Member, Post
from bot.domain.moderation import Action
from bot.domain.rules import normalise_tags, require_text
from bot.features.lifecycle import schedule as followups
from bot.features.lifecycle.status_card import refresh
from bot.features.moderation.guard import require_moderator
from bot.features.moderation.targets import post_named

NOTE_MAX = 1500
REASON_MAX = 300


async def _post(ctx: Context, actor: Member, text: str, command: str) -> tuple[Post, str]:
    """The post the command's first word names, taken, and the rest of its text."""
    require_moderator(actor)
    first, _, rest = text.strip().partition(" ")
    if not first:
        raise RuleViolation("moderation.post_needed", command=command)
    post = await post_named(ctx, first)
    if post.is_withdrawn or post.thread_ref is None:
        raise RuleViolation("error.post_withdrawn")
    return post, rest.strip()


async def lock(ctx: Context, actor: Member, text: str) -> list[Intent]:
    post, rest = await _post(ctx, actor, text, "lock")
    reason = rest[:REASON_MAX]
    if not await ctx.repo.library.lock(ctx.community_id, post.id, reason, actor.user_id, ctx.now):
        raise RuleViolation("moderation.already_locked", title=post.title)
    await record(ctx, actor, Action.LOCK, post=post, reason=reason)
    await ctx.repo.cancel(post.id, FollowUpKind.CLOSE, ctx.now)
    await ctx.repo.update_post(ctx.community_id, post.id, closed_at=ctx.now)
    assert post.thread_ref is not None
    note = ctx.message("moderation.locked_note", reason=reason or "-")
    return [
        Send(target=Thread(thread_ref=post.thread_ref), message=note),
        *await refresh(ctx, replace(post, closed_at=ctx.now)),
        CloseThread(thread_ref=post.thread_ref),
        ctx.notice(actor, "moderation.locked", title=post.title),
    ]


async def reopen(ctx: Context, actor: Member, text: str) -> list[Intent]:
    post, rest = await _post(ctx, actor, text, "reopen")
    was_locked = await ctx.repo.library.unlock(post.id)
    if not was_locked and not post.is_closed:
        raise RuleViolation("moderation.not_locked", title=post.title)
    reason = rest[:REASON_MAX]
    await record(ctx, actor, Action.REOPEN, post=post, reason=reason)
    await ctx.repo.update_post(ctx.community_id, post.id, closed_at=None)
    await followups.on_reopened(ctx, post)
    assert post.thread_ref is not None
    note = ctx.message("moderation.reopened_note")
    days = ctx.settings.close_after_days
    return [
        CloseThread(thread_ref=post.thread_ref, reopen=True),
        Send(target=Thread(thread_ref=post.thread_ref), message=note),
        *await refresh(ctx, replace(post, closed_at=None)),
        ctx.notice(actor, "moderation.reopened", title=post.title, days=days),
    ]


async def retag(ctx: Context, actor: Member, text: str) -> list[Intent]:
    post, rest = await _post(ctx, actor, text, "retag")
    tags = normalise_tags(rest.replace(",", " ").split())
    await ctx.repo.update_post(ctx.community_id, post.id, tags=list(tags))
    await record(ctx, actor, Action.RETAG, post=post, reason=" ".join(tags))
    shown_tags = " ".join(f"#{tag}" for tag in tags) or "-"
    return [
        *await refresh(ctx, replace(post, tags=tags)),
        ctx.notice(actor, "moderation.retagged", title=post.title, tags=shown_tags),
    ]


async def note(ctx: Context, actor: Member, text: str) -> list[Intent]:
    """Relay a moderator's note into the thread; like every member text it never pings."""
    post, rest = await _post(ctx, actor, text, "note")
    text = require_text(rest, "note", NOTE_MAX)
    await record(ctx, actor, Action.NOTE, post=post, reason=text)
    assert post.thread_ref is not None
    message = ctx.message("moderation.note", note=text)
    return [
        Send(target=Thread(thread_ref=post.thread_ref), message=message),
        ctx.notice(actor, "moderation.note_sent", title=post.title),
    ]
