"""Closing a post: when it falls due, when it is put off, and what closing says and does.

A post closes after a quiet period: every message in its thread notes activity on it
(`early.owner`; a relayed reply, `schedule.on_relayed_reply`), and a close that falls due before the
post has been quiet long enough is put off to the end of that spell (`follow_ups._close`).
Once it is quiet, the thread gets a closing note, the status card shows it closed, and the
thread is locked where the platform can (`CloseThread`, degraded away where it cannot). The
scheduler then records `closed_at` in the same transaction; a closed post takes no new
replies (`answers.replies`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from bot.common.context import Context
from bot.contract.intents import CloseThread, Intent, Send, Thread
from bot.domain.model import Post
from bot.features.lifecycle.status_card import PostView, refresh_view


def close_time(ctx: Context) -> datetime:
    """A post closes this long after its latest activity (now)."""
    return ctx.now + timedelta(days=ctx.settings.close_after_days)


def quiet_until(ctx: Context, post: Post) -> datetime:
    """When the post will have been quiet for the closing period."""
    return post.last_activity_at + timedelta(days=ctx.settings.close_after_days)


def closing_intents(ctx: Context, view: PostView) -> list[Intent]:
    """The closing note, the card shown closed, and the thread locked."""
    post = view.post
    assert post.thread_ref is not None
    note = ctx.message("thread.closed_note", days=ctx.settings.close_after_days)
    closed = replace(view, post=replace(post, closed_at=ctx.now))
    return [
        Send(target=Thread(thread_ref=post.thread_ref), message=note),
        *refresh_view(ctx, closed),
        CloseThread(thread_ref=post.thread_ref),
    ]
