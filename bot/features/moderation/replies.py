"""Hiding a reply, with a reason, and bringing it back.

A hidden reply leaves the library, suggestions and every later listing (the post's best
answers included). Where Rebound wrote the message itself (an anonymous poster's relayed
reply) it replaces the words in the thread with a short note, and puts them back when
unhidden. A member's own message cannot be collapsed by a bot on Slack, and on Discord
only deleted, which could not be undone; there it stays, out of Rebound's listings
(docs/moderation.md).
"""

from __future__ import annotations

from bot.common.audit import record
from bot.common.context import Context
from bot.common.forms import field, form
from bot.contract.actions import FormKind
from bot.contract.events import FormSubmitted, MessageActionInvoked
from bot.contract.intents import EditMessage, Intent, OpenForm
from bot.domain.errors import RuleViolation
from bot.domain.model import Post, Reply
from bot.domain.moderation import Action
from bot.domain.rules import form_text, require_text
from bot.features.answers.replies import relayed_message
from bot.features.lifecycle.status_card import refresh
from bot.features.moderation.guard import require_moderator
from bot.features.moderation.targets import reply_at, reply_by_id

HIDE_REPLY = "hide_reply"
REASON_MAX = 300


async def open_form(ctx: Context, event: MessageActionInvoked) -> list[Intent]:
    """The "Hide or unhide" message action: a form asking why, for hiding or unhiding."""
    require_moderator(event.actor)
    _, reply = await reply_at(ctx, event.message_ref)
    hidden = await ctx.repo.library.hidden(reply.id)
    kind = FormKind.UNHIDE if hidden else FormKind.HIDE
    reason = field(ctx, "reason", "text", required=not hidden, max_length=REASON_MAX)
    return [OpenForm(user_id=event.actor.user_id, form=form(ctx, kind, [reason], reply.id))]


async def submit(
    ctx: Context, event: FormSubmitted, reply_id: int | None, hide: bool
) -> list[Intent]:
    require_moderator(event.actor)
    raw = form_text(event.values, "reason")
    reason = require_text(raw, "reason", REASON_MAX) if hide else raw[:REASON_MAX]
    post, reply = await reply_by_id(ctx, reply_id)
    by = event.actor.user_id
    if hide:
        if not await ctx.repo.library.hide(ctx.community_id, reply.id, reason, by, ctx.now):
            raise RuleViolation("moderation.already_hidden", author=reply.author_name)
    elif not await ctx.repo.library.unhide(reply.id):
        raise RuleViolation("moderation.not_hidden", author=reply.author_name)
    action = Action.HIDE if hide else Action.UNHIDE
    await record(ctx, event.actor, action, post=post, reply=reply, reason=reason)
    key = "moderation.hidden" if hide else "moderation.unhidden"
    return [
        *_in_thread(ctx, post, reply, hide),
        *await refresh(ctx, post),
        ctx.notice(event.actor, key, author=reply.author_name),
    ]


def _in_thread(ctx: Context, post: Post, reply: Reply, hide: bool) -> list[Intent]:
    """Rebound's own message of a relayed reply: its words swapped for a note, or back."""
    if not reply.relayed or reply.message_ref is None:
        return []
    if hide:
        message = ctx.message("moderation.hidden_placeholder")
    else:
        message = relayed_message(ctx, post, reply.id, reply.text)
    return [EditMessage(message_ref=reply.message_ref, message=message)]
