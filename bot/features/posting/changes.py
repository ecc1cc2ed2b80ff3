"""What members do to their own messages afterwards: edits and deletions, of a post's own
message (its root) or of a reply."""

from __future__ import annotations

from bot.common.context import Context
from bot.contract.events import MessageDeleted, MessageEdited
from bot.contract.intents import Intent
from bot.domain.model import Post
from bot.features.answers import replies as answers
from bot.features.posting import early, withdrawal
from bot.features.posting import posts as posting


async def _post_rooted_at(ctx: Context, message_ref: str, thread_ref: str | None) -> Post | None:
    """The post whose root (the message that is its thread) is `message_ref`."""
    if thread_ref not in (None, message_ref):
        return None  # a reply, not a root
    return await ctx.repo.post_by_thread(ctx.community_id, message_ref)


async def edited(ctx: Context, event: MessageEdited) -> list[Intent]:
    post = await _post_rooted_at(ctx, event.message_ref, event.thread_ref)
    if post is not None:
        return await posting.edit_post(ctx, post, event)
    return await answers.edit_reply(ctx, event)


async def deleted(ctx: Context, event: MessageDeleted) -> list[Intent]:
    post = await _post_rooted_at(ctx, event.message_ref, event.thread_ref)
    if post is not None:
        return await withdrawal.withdraw(ctx, post, event)
    if event.thread_ref is not None and event.thread_ref != event.message_ref:
        # Holds the post (or, not recorded yet, its thread) so that this deletion and the
        # reply it deletes, recorded at the same moment elsewhere, see each other.
        await early.owner(ctx, event.thread_ref)
    return await answers.delete_reply(ctx, event)
