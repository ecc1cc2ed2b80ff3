"""`/rebound forget-me`: after a confirmation, the member's data leaves Rebound in one go.

In the button's transaction: their replies, appreciations, marks' names, settings and
conversations are deleted; their posts' words and name emptied (the post is withdrawn:
closed, nothing more asked); outcome updates of their posts and pending follow-ups
removed; outbound rows not yet delivered to them dropped. The bot's own copies on the
platform (a post's root or status message, relayed replies) are edited through the
outbox, so an outage only delays them. The confirmation carries a request id: pressed
twice, or redelivered, it is carried out once.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from bot.common.context import Context
from bot.contract.actions import Verb, action_id
from bot.contract.intents import Button, EditMessage, Intent, RenameThread
from bot.domain.errors import RuleViolation
from bot.domain.model import Member, PostSource

log = logging.getLogger(__name__)
REQUEST_WRAP = 1_000_000_000


def posts_bot_copies(posts: Sequence[Mapping[str, Any]]) -> list[str]:
    """The bot's own messages showing these posts: the root, when the bot posted it (the
    form's posts), and the status message, when it is another message (adopted posts)."""
    refs: list[str] = []
    for post in posts:
        if post["source"] == PostSource.FORM.value and post["thread_ref"]:
            refs.append(post["thread_ref"])
        status = post["status_message_ref"]
        if status and status != post["thread_ref"]:
            refs.append(status)
    return refs


def renamed_threads(posts: Sequence[Mapping[str, Any]], title: str) -> list[Intent]:
    """The posts' threads under a neutral name: a thread's own name (where the platform
    gives it one) repeats the post's title, which is going."""
    return [RenameThread(thread_ref=p["thread_ref"], title=title) for p in posts if p["thread_ref"]]


def ask(ctx: Context, actor: Member) -> list[Intent]:
    # Names this request (ids carry at most nine digits): the time, in seconds.
    request = int(ctx.now.timestamp()) % REQUEST_WRAP
    confirm = Button(
        label=ctx.say("button.forget_confirm"),
        action_id=action_id(Verb.FORGET, request),
        style="danger",
    )
    notice = ctx.notice(actor, "forget.confirm")
    return [replace(notice, message=replace(notice.message, buttons=(confirm,)))]


async def confirm(ctx: Context, actor: Member, request: int | None) -> list[Intent]:
    if request is None:
        raise RuleViolation("error.unknown_action")
    data = ctx.repo.care.data
    community = ctx.community_id
    if not await data.claim_forgetting(community, actor.user_id, str(request), ctx.now):
        return [ctx.notice(actor, "forget.already")]
    posts = [p for p in await data.posts(community, actor.user_id) if p["withdrawn_at"] is None]
    replies = await data.replies(community, actor.user_id)
    relayed = await data.remove_replies(community, actor.user_id)
    await data.remove_given(community, actor.user_id)
    await data.empty_posts(community, [p["id"] for p in posts], ctx.now)
    dropped = await data.drop_undelivered_to(community, actor.user_id)
    removed = ctx.message("forget.removed_post")
    bot_copies = [*relayed, *posts_bot_copies(posts)]
    log.info(
        "forget-me: %s posts, %s replies, %s undelivered rows, %s platform edits",
        len(posts),
        len(replies),
        dropped,
        len(bot_copies),
    )
    edits: list[Intent] = [EditMessage(message_ref=ref, message=removed) for ref in bot_copies]
    edits += renamed_threads(posts, ctx.say("forget.removed_title"))
    done = ctx.notice(actor, "forget.done", replies=len(replies), posts=len(posts))
    return [*edits, done]
