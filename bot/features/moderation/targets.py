"""What a moderator command names: a post (its number or its thread) or a member (a
platform mention or a bare id). Anything else is refused privately."""

from __future__ import annotations

import re

from bot.common.context import Context
from bot.domain.errors import RuleViolation
from bot.domain.model import Post, Reply
from bot.domain.rules import RECORD_ID

# Slack `<@U123|name>`, Discord `<@123>` / `<@!123>`, or `@id` as typed on the console.
_MENTION = re.compile(r"<@!?([A-Za-z0-9_.:-]{1,100})(?:\|[^>]*)?>|@([A-Za-z0-9_.:-]{1,100})")
_THREAD_REF = re.compile(r"[A-Za-z0-9_.:-]{1,200}")


async def post_named(ctx: Context, word: str) -> Post:
    """The post `word` names (`12`, `#12` or its thread's ref), taken for a change."""
    word = word.strip()
    number = word.removeprefix("#")
    post: Post | None = None
    if RECORD_ID.fullmatch(number):
        post = await ctx.repo.post(ctx.community_id, int(number))
    if post is None and _THREAD_REF.fullmatch(word):
        post = await ctx.repo.post_by_thread(ctx.community_id, word)
    if post is None:
        raise RuleViolation("moderation.unknown_post", value=word[:40])
    return post


def member_named(word: str) -> str | None:
    found = _MENTION.fullmatch(word.strip())
    if found is None:
        return None
    return found.group(1) or found.group(2)


async def reply_at(ctx: Context, message_ref: str) -> tuple[Post, Reply]:
    """The reply a message action points at, with its post taken; refused when it is not a
    reply Rebound recorded in this community (or was deleted)."""
    found = await ctx.repo.reply_with_post(ctx.community_id, message_ref)
    if found is None or found[1].deleted:
        raise RuleViolation("moderation.not_a_reply")
    return found


async def reply_by_id(ctx: Context, reply_id: int | None) -> tuple[Post, Reply]:
    """The reply a form names by id, with its post taken; a tampered or foreign id is
    refused like an unknown message."""
    reply = await ctx.repo.reply(ctx.community_id, reply_id) if reply_id is not None else None
    if reply is None or reply.deleted:
        raise RuleViolation("moderation.not_a_reply")
    post = await ctx.repo.post(ctx.community_id, reply.setback_id)
    if post is None:
        raise RuleViolation("moderation.not_a_reply")
    fresh = await ctx.repo.reply(ctx.community_id, reply.id)  # read again after taking the post
    if fresh is None or fresh.deleted:
        raise RuleViolation("moderation.not_a_reply")
    return post, fresh
