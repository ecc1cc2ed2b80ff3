"""Hidden replies leave every listing: the post's best answers included."""

from __future__ import annotations

from bot.common.context import Context
from bot.domain.model import Reply


async def without_hidden(ctx: Context, replies: dict[int, list[Reply]]) -> dict[int, list[Reply]]:
    """`replies` (by post) without hidden best answers; only best answers are listed, so
    only they are looked up (nothing is asked of the store for a post without one)."""
    best = [reply.id for listed in replies.values() for reply in listed if reply.is_best]
    hidden = await ctx.repo.library.hidden_among(best)
    if not hidden:
        return replies
    return {
        post: [reply for reply in listed if reply.id not in hidden]
        for post, listed in replies.items()
    }
