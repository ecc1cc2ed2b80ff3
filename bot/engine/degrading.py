"""Graceful degradation: rewrite intents a platform cannot show into ones it can.

Without ephemeral messages a notice travels as a DM; without tags the status line says
the same; without forms a form becomes a conversation by private message; without
buttons a private message lists its choices by number, and channel messages drop them
(reactions and private messages cover appreciation and anonymous replies).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from bot.common import conversation
from bot.common.context import Context
from bot.contract.intents import (
    CloseThread,
    DirectTo,
    EditMessage,
    Intent,
    Message,
    Notice,
    OpenForm,
    RejectForm,
    RenameThread,
    Send,
    SetThreadTags,
    StartThread,
)
from bot.contract.ports import Capabilities
from bot.features.my_data import dm_choice


async def lower(
    ctx: Context, intents: Iterable[Intent], capabilities: Capabilities
) -> list[Intent]:
    """Intents the platform can show, in the same order."""
    lowered: list[Intent] = []
    for intent in await dm_choice.apply(ctx, list(intents)):  # members' DM choice
        lowered.extend(await _lower_one(ctx, intent, capabilities))
    return lowered


async def _lower_one(ctx: Context, intent: Intent, capabilities: Capabilities) -> list[Intent]:
    if isinstance(intent, SetThreadTags) and not capabilities.tags:
        return []
    if isinstance(intent, StartThread) and intent.tags and not capabilities.tags:
        intent = replace(intent, tags=())
    if isinstance(intent, RenameThread) and not capabilities.named_threads:
        return []
    if isinstance(intent, CloseThread) and not (
        capabilities.threads and capabilities.closes_threads
    ):
        return []
    if isinstance(intent, OpenForm) and not capabilities.forms:
        return await conversation.start_form(ctx, intent.user_id, intent.form)
    if isinstance(intent, RejectForm) and not capabilities.forms:
        return []  # forms by conversation are checked and asked again there
    if isinstance(intent, Notice) and not capabilities.ephemeral:
        if not capabilities.direct_messages:
            return []
        intent = Send(target=DirectTo(user_id=intent.user_id), message=intent.message)
    if capabilities.buttons or not _buttons_of(intent):
        return [intent]
    return [await _without_buttons(ctx, intent)]


def _buttons_of(intent: Intent) -> bool:
    message = getattr(intent, "message", None)
    return isinstance(message, Message) and bool(message.buttons)


async def _without_buttons(ctx: Context, intent: Intent) -> Intent:
    """Private messages offer their buttons as numbered choices; public ones drop them."""
    if isinstance(intent, Send) and isinstance(intent.target, DirectTo):
        user_id = intent.target.user_id
        return replace(
            intent, message=await conversation.offer_choices(ctx, user_id, intent.message)
        )
    if isinstance(intent, Notice):
        user_id = intent.user_id
        return replace(
            intent, message=await conversation.offer_choices(ctx, user_id, intent.message)
        )
    if isinstance(intent, Send | StartThread | EditMessage):
        return replace(intent, message=replace(intent.message, buttons=()))
    return intent
