"""Similar setbacks: right after posting (a follow-up fired once the post is saved), the
poster privately sees up to three earlier posts like theirs whose answers are in the
library, with what the posters who acted on each reported.
A member can turn this off (kept per member). Anonymous posters appear as their pseudonym."""

from __future__ import annotations

from bot.common.context import Context
from bot.contract.actions import Verb, action_id
from bot.contract.intents import Button, Intent, Message, Notice
from bot.domain.errors import RuleViolation
from bot.domain.model import Member, Post
from bot.features.library.search import find, hit_line, share_button
from bot.words.search_terms import query_words

SHOWN = 3


async def for_post(ctx: Context, post: Post | None) -> list[Intent]:
    """Fired by the scheduler right after the post's transaction commits (a follow-up due
    at once, see lifecycle/schedule.py), so posting never waits on the search."""
    if post is None or post.is_withdrawn or post.is_closed:
        return []
    return await after_post(
        ctx, Member(user_id=post.poster_id, display_name=post.poster_name), post
    )


async def after_post(ctx: Context, actor: Member, post: Post) -> list[Intent]:
    if await ctx.repo.library.suggestions_off(ctx.community_id, actor.user_id):
        return []
    terms = query_words(f"{post.title} {post.body}")
    if not terms:
        return []
    hits, cards = await find(ctx, terms, None, exclude_setback=post.id)
    if not hits:
        return []
    lines = [ctx.say("library.suggestions.header")]
    lines.extend(hit_line(ctx, hit, cards.get(hit.featured.id)) for hit in hits[:SHOWN])
    off = Button(label=ctx.say("button.suggestions_off"), action_id=action_id(Verb.SUGGESTIONS_OFF))
    shares = tuple(share_button(ctx, hit) for hit in hits[:SHOWN])
    message = Message(
        text="\n".join(lines),
        buttons=(*shares, off),
        key="library.suggestions.header",
        params={"featured_ids": [hit.featured.id for hit in hits[:SHOWN]]},
    )
    return [Notice(user_id=actor.user_id, message=message)]


async def setting(ctx: Context, actor: Member, text: str) -> list[Intent]:
    """`/rebound suggestions on|off`, or the "Don't show me these" button (off)."""
    word = text.strip().lower()
    if word not in ("on", "off"):
        raise RuleViolation("library.suggestions.usage")
    off = word == "off"
    await ctx.repo.library.set_suggestions_off(ctx.community_id, actor.user_id, off)
    return [ctx.notice(actor, "library.suggestions.off" if off else "library.suggestions.on")]
