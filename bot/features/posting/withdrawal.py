"""A post withdrawn: its own message (or its whole thread) was deleted, by its poster or a
moderator. The post closes, its words leave the store, nothing more is asked about it, and
the thread, if it is still there, is told. Replies stay with their authors."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.common.context import Context
from bot.contract.events import MessageDeleted
from bot.contract.intents import CloseThread, Intent, Send, Thread
from bot.domain.model import Post
from bot.features.lifecycle.status_card import load_view, refresh_view

# The delivered ref of an outbound row dropped because its post was withdrawn.
WITHDRAWN_REF = "withdrawn"


async def withdraw(ctx: Context, post: Post, event: MessageDeleted) -> list[Intent]:
    if post.is_withdrawn:
        return []  # told twice (Slack's placeholder, then the deletion itself)
    gone: dict[str, Any] = {
        "title": "",
        "body": "",
        "withdrawn_at": ctx.now,
        "closed_at": post.closed_at or ctx.now,
        "stop_asking": True,
    }
    await ctx.repo.update_post(ctx.community_id, post.id, **gone)
    await ctx.repo.cancel_all(post.id, ctx.now)
    await _drop_undelivered_follow_ups(ctx, post.id)
    if event.thread_gone or post.thread_ref is None:
        return []
    view = await load_view(ctx, replace(post, **gone))
    intents: list[Intent] = []
    if post.status_message_ref not in (None, event.message_ref):
        intents.extend(refresh_view(ctx, view))  # it survives: it says withdrawn now
    if post.is_closed:
        return intents  # closed already: its thread heard the last word
    if any(not reply.deleted for reply in view.replies):
        note = ctx.message("thread.withdrawn_note")
        intents.append(Send(target=Thread(thread_ref=post.thread_ref), message=note))
    intents.append(CloseThread(thread_ref=post.thread_ref))
    return intents


async def _drop_undelivered_follow_ups(ctx: Context, setback_id: int) -> None:
    """Follow-ups of the post still waiting to go out (a DM the platform refused, retried
    later) are dropped: they would ask about, or quote, a post that is gone."""
    for follow_up_id in await ctx.repo.follow_up_ids(setback_id):
        source = f"follow_up:{follow_up_id}:%"  # as bot/engine/scheduler.py names their sources
        rows = await ctx.repo.outbound.free_undelivered(ctx.community_id, source, ctx.now)
        if rows:
            await ctx.repo.outbound.take([row.id for row in rows], WITHDRAWN_REF, ctx.now)
