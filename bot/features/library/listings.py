"""`/rebound mine`: the member's own posts with their state and the outcome asks still to
come. `/rebound open`: posts still waiting for a first reply, oldest first, for helpers.
Both are private to the asker; anonymous posts show only their pseudonym in `open`."""

from __future__ import annotations

from bot.common.context import Context
from bot.contract.intents import Intent, Message, Notice
from bot.domain.model import FollowUpKind, Member
from bot.features.lifecycle.status_card import PostView, load_views, shown_author
from bot.words.excerpt import excerpt

SHOWN = 10


def _state(ctx: Context, view: PostView) -> str:
    if view.post.is_closed:
        return ctx.say("setback.status.closed")
    if view.has_outcome:
        return ctx.say("setback.status.update_shared")
    if any(reply.is_best for reply in view.replies):
        return ctx.say("library.state.answered")
    return ctx.say("setback.status.open")


def _notice(actor: Member, key: str, lines: list[str]) -> list[Intent]:
    return [Notice(user_id=actor.user_id, message=Message(text="\n".join(lines), key=key))]


async def mine(ctx: Context, actor: Member, _text: str) -> list[Intent]:
    posts = await ctx.repo.posts_by_poster(ctx.community_id, actor.user_id, SHOWN)
    if not posts:
        return [ctx.notice(actor, "home.no_posts")]
    views = await load_views(ctx, posts)
    asked = [post.id for post in posts if not (post.is_closed or post.stop_asking)]
    due = await ctx.repo.pending_due_ats(asked, FollowUpKind.OUTCOME_ASK)
    lines = [ctx.say("home.posts_heading")]
    for post in posts:
        state, date = _state(ctx, views[post.id]), ctx.day(post.created_at)
        lines.append(ctx.say("home.post", title=post.title, status=state, date=date))
    asks = [
        ctx.say("home.ask", title=p.title, date=ctx.day(due[p.id])) for p in posts if p.id in due
    ]
    lines.extend([ctx.say("home.asks_heading"), *(asks or [ctx.say("home.no_asks")])])
    return _notice(actor, "home.posts_heading", lines)


async def waiting(ctx: Context, actor: Member, _text: str) -> list[Intent]:
    posts = [p for p in await ctx.repo.open_posts(ctx.community_id) if not p.is_withdrawn]
    views = await load_views(ctx, posts)
    unanswered = [
        post
        for post in posts
        if not any(not reply.by_poster and not reply.deleted for reply in views[post.id].replies)
    ]
    if not unanswered:
        return [ctx.notice(actor, "library.open.none")]
    lines = [ctx.say("library.open.header", count=len(unanswered))]
    lines.extend(
        ctx.say(
            "library.open.post",
            number=post.id,
            title=excerpt(post.title, 80),
            author=shown_author(ctx, post),
            date=ctx.day(post.created_at),
        )
        for post in unanswered[:SHOWN]
    )
    return _notice(actor, "library.open.header", lines)
