"""Best answers: the poster (or a moderator on their behalf) marks and unmarks them."""

from __future__ import annotations

from bot.common.audit import mark_on_behalf
from bot.common.context import Context
from bot.common.library_entries import add_best
from bot.contract.events import MessageActionInvoked
from bot.contract.intents import DirectTo, Intent, Send
from bot.domain.errors import RuleViolation
from bot.domain.model import Member, Post, Reply
from bot.domain.rules import check_markable, may_mark_best
from bot.features.lifecycle.status_card import refresh

MARK = "mark_best"
UNMARK = "unmark_best"


async def _target(ctx: Context, message_ref: str) -> tuple[Post, Reply]:
    found = await ctx.repo.reply_with_post(ctx.community_id, message_ref)
    if found is None:
        raise RuleViolation("error.unknown_message")
    return found


async def mark(ctx: Context, event: MessageActionInvoked) -> list[Intent]:
    post, reply = await _target(ctx, event.message_ref)
    check_markable(event.actor, post, reply)
    # The reply was read after its post was taken, so it is as the last mark left it.
    first_mark = reply.best_marked_by is None
    if not await ctx.repo.mark_best(ctx.community_id, reply.id, event.actor.user_id, ctx.now):
        raise RuleViolation("best.already")  # marked already, maybe a moment ago by someone else
    await add_best(ctx, post, reply, event.actor.user_id)
    await mark_on_behalf(ctx, event.actor, post, reply, marked=True)
    acknowledged = ctx.notice(event.actor, "best.marked", author=reply.author_name)
    intents = [*await refresh(ctx, post), acknowledged]
    if first_mark:  # thank the author the first time only
        thanks = ctx.message("best.author_told", title=post.title)
        intents.append(Send(target=DirectTo(user_id=reply.author_id), message=thanks))
    return intents


async def unmark(ctx: Context, event: MessageActionInvoked) -> list[Intent]:
    post, reply = await _target(ctx, event.message_ref)
    actor: Member = event.actor
    if not may_mark_best(actor, post):
        raise RuleViolation("error.not_your_post", title=post.title)
    if not await ctx.repo.unmark_best(ctx.community_id, reply.id):
        raise RuleViolation("best.not_marked")
    await mark_on_behalf(ctx, actor, post, reply, marked=False)
    acknowledged = ctx.notice(actor, "best.unmarked", author=reply.author_name)
    return [*await refresh(ctx, post), acknowledged]
