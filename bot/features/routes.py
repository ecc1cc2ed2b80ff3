"""The moderation and library features' entry points, called from bot/engine/router.py: the
`/rebound` command's subcommands, their forms, buttons and message actions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.common.context import Context
from bot.contract.actions import FormKind, Parsed, Verb
from bot.contract.events import ButtonPressed, CommandInvoked, FormSubmitted, MessageActionInvoked
from bot.contract.intents import Intent
from bot.domain.errors import RuleViolation
from bot.domain.model import Member
from bot.features.library import featuring, listings, search, sharing, suggestions, topics
from bot.features.moderation import audit_view, posts, replies
from bot.features.my_data import commands as my_data
from bot.features.my_data import mine

REBOUND_COMMAND = "rebound"
MESSAGE_ACTIONS = (featuring.FEATURE_ANSWER, replies.HIDE_REPLY)

Subcommand = Callable[[Context, Member, str], Awaitable[list[Intent]]]


async def _audit(ctx: Context, actor: Member, text: str) -> list[Intent]:
    return await audit_view.command(ctx, actor, text.split())


async def _topics(ctx: Context, actor: Member, text: str) -> list[Intent]:
    if text.strip():
        return await topics.add(ctx, actor, text)
    return [ctx.notice(actor, "library.topics", topics=", ".join(await topics.topics(ctx)))]


async def _mine(ctx: Context, actor: Member, text: str) -> list[Intent]:
    """The member's posts and what is coming, then the asks waiting for an answer (with
    their buttons: where a member who turned direct messages off answers them)."""
    return [*await listings.mine(ctx, actor, text), *await mine.waiting_asks(ctx, actor)]


SUBCOMMANDS: dict[str, Subcommand] = {
    **my_data.SUBCOMMANDS,
    "library": search.command,
    "audit": _audit,
    "topic": _topics,
    "topics": _topics,
    "lock": posts.lock,
    "reopen": posts.reopen,
    "retag": posts.retag,
    "note": posts.note,
    "suggestions": suggestions.setting,
    "mine": _mine,
    "open": listings.waiting,
}


async def command(ctx: Context, event: CommandInvoked) -> list[Intent]:
    """`/rebound <subcommand> ...` (Slack's text, Discord's group, the console's words)."""
    word, _, rest = event.text.strip().partition(" ")
    handler = SUBCOMMANDS.get(word.lower())
    if handler is None:
        raise RuleViolation("rebound.usage")
    return await handler(ctx, event.actor, rest.strip())


async def form(ctx: Context, event: FormSubmitted, parsed: Parsed) -> list[Intent] | None:
    if parsed.name == FormKind.FEATURE:
        return await featuring.submit(ctx, event, parsed.number())
    if parsed.name in (FormKind.HIDE, FormKind.UNHIDE):
        hide = parsed.name == FormKind.HIDE
        return await replies.submit(ctx, event, parsed.number(), hide)
    return None


async def message_action(ctx: Context, event: MessageActionInvoked) -> list[Intent] | None:
    if event.action == featuring.FEATURE_ANSWER:
        return await featuring.open_form(ctx, event)
    if event.action == replies.HIDE_REPLY:
        return await replies.open_form(ctx, event)
    return None


async def button(ctx: Context, event: ButtonPressed, parsed: Parsed) -> list[Intent] | None:
    if parsed.name == Verb.AUDIT_PAGE:
        return await audit_view.older(ctx, event.actor, parsed.args)
    if parsed.name == Verb.LIBRARY_PAGE:
        return await search.more(ctx, event.actor, parsed.args)
    if parsed.name == Verb.LIBRARY_SHARE:
        return await sharing.share(ctx, event.actor, parsed.number())
    if parsed.name == Verb.SUGGESTIONS_OFF:
        return await suggestions.setting(ctx, event.actor, "off")
    return None
