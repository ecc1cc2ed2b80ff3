""" "Post in my thread": a library hit is private to the member who searched (or was shown
it after posting) until they post it into their own open post's thread (their latest),
with its summary, its record and a link to the answer. Posted once per thread: a second
press, or a redelivered one, changes nothing; a member without an open post is told so."""

from __future__ import annotations

from bot.common.context import Context
from bot.contract.intents import Intent, Message, Send, Thread
from bot.domain.errors import RuleViolation
from bot.domain.model import Member, Post
from bot.features.library.search import hit_link, record_line
from bot.store.library_repo import Hit
from bot.words.excerpt import excerpt

_RECENT_POSTS = 20


async def latest_open_post(ctx: Context, member: Member) -> Post | None:
    posts = await ctx.repo.posts_by_poster(ctx.community_id, member.user_id, _RECENT_POSTS)
    return next((p for p in posts if not p.is_closed and p.thread_ref is not None), None)


async def share(ctx: Context, actor: Member, featured_id: int | None) -> list[Intent]:
    found = await ctx.repo.library.visible_featured(ctx.community_id, [featured_id or 0])
    if not found:
        raise RuleViolation("library.share.gone")
    entry = found[0]
    post = await latest_open_post(ctx, actor)
    if post is None or post.thread_ref is None:
        raise RuleViolation("library.share.no_post")
    post = await ctx.repo.post(ctx.community_id, post.id)  # taken: post first
    if post is None or post.is_closed or post.thread_ref is None:
        raise RuleViolation("library.share.no_post")
    if not await ctx.repo.library.share(ctx.community_id, post.id, entry.reply_id, ctx.now):
        raise RuleViolation("library.share.already", title=post.title)
    hit = Hit(featured=entry, score=0.0)
    card = (await ctx.repo.library.cards(ctx.community_id, [entry])).get(entry.id)
    link = hit_link(ctx, hit, card)
    text = ctx.say(
        "library.share.post",
        summary=entry.summary,
        title=excerpt(card.title, 60) if card else "",
        record=record_line(ctx, card),
    )
    shared = Message(
        text=text,
        links=(link,) if link else (),
        key="library.share.post",
        params={"featured_id": entry.id},
    )
    return [
        Send(target=Thread(thread_ref=post.thread_ref), message=shared),
        ctx.notice(actor, "library.share.done", title=post.title),
    ]
