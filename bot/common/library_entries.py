"""What the library indexes of an entry, and best answers joining it: a reply marked best
is in the library (found by searches and suggestions) in the transaction that marks it,
whether or not a moderator features it later."""

from __future__ import annotations

from bot.common.context import Context
from bot.domain.model import Post, Reply
from bot.words.excerpt import excerpt

# What a best answer shows in the library until a moderator writes a summary for it
# (bot/store/migrations/versions/0012_library_search.py keeps the same).
BEST_SUMMARY_MAX = 150


def document(ctx: Context, post: Post, reply: Reply, *extra: str) -> str:
    """The text an entry is found by: the post (title, story, stage, kind, tags), the
    reply, and `extra` (a featured answer's summary and topic)."""
    labels = [
        ctx.say(f"{kind}.{value}")
        for kind, value in (("stage", post.stage), ("kind", post.kind))
        if value
    ]
    return " ".join((*extra, post.title, post.body, reply.text, *labels, *post.tags))


async def add_best(ctx: Context, post: Post, reply: Reply, by: str) -> None:
    await ctx.repo.library.add_best(
        ctx.community_id,
        reply_id=reply.id,
        setback_id=post.id,
        summary=excerpt(" ".join(reply.text.split()), BEST_SUMMARY_MAX),
        by=by,
        document=document(ctx, post, reply),
        now=ctx.now,
    )
