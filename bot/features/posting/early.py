"""Replies that reach a thread before its post's thread is recorded.

A post shared by form gets its thread from the platform, and the thread's id is stored only
once the platform has confirmed it: a reply right behind the post can arrive first. Such a
reply is parked (durably, in the same transaction that claims its event) and handled when
the thread is recorded (`replay`, from `posting.on_thread_started`). Parking and replaying
hold the thread's lock, so across replicas every parked reply is either seen by the replay
or finds the thread recorded. A park no post ever claims is dropped after a day.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from bot.common.context import Context
from bot.contract.events import MessagePosted
from bot.domain.model import Member, Post
from bot.features.answers import replies as answers

PARKED_REPLY = "reply"


async def owner(ctx: Context, thread_ref: str, *, message: bool = False) -> Post | None:
    """The post whose thread is `thread_ref`, looked up under the thread's lock when it is
    not recorded (yet), so a parallel `replay` has either finished or not begun. For a
    `message` in the thread, the post's activity is noted as it is taken (a message keeps
    its post from closing, whatever becomes of it)."""
    active_at = ctx.now if message else None
    post = await ctx.repo.post_by_thread(ctx.community_id, thread_ref, active_at=active_at)
    if post is None:
        await ctx.repo.early.lock_thread(ctx.community_id, thread_ref)
        post = await ctx.repo.post_by_thread(ctx.community_id, thread_ref, active_at=active_at)
    return post


async def park(ctx: Context, event: MessagePosted, thread_ref: str) -> None:
    """Keep a reply whose thread no post owns yet (the caller holds the thread's lock)."""
    await ctx.repo.early.park(ctx.community_id, thread_ref, PARKED_REPLY, asdict(event), ctx.now)


async def replay(ctx: Context, post: Post, *, locked: bool = False) -> None:
    """Record the replies parked for the post's thread, in the order they came, under the
    thread's lock (`locked`: held already, `record_thread` takes it).

    Only recording happens here: a brand-new thread has no best answers to refresh and is
    not closed, so recording a reply has nothing to say."""
    assert post.thread_ref is not None
    if not locked:
        await ctx.repo.early.lock_thread(ctx.community_id, post.thread_ref)
    for parked in await ctx.repo.early.take_parked(ctx.community_id, post.thread_ref, ctx.now):
        if parked.kind == PARKED_REPLY:
            await answers.record_reply(ctx, post, _reply(parked.event))


def _reply(stored: dict[str, Any]) -> MessagePosted:
    """The reply as it was parked (`dataclasses.asdict` of it, in a JSON column)."""
    return MessagePosted(**{**stored, "actor": Member(**stored["actor"])})
