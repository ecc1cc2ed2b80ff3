"""Routes each inbound event, button and form to its use case."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.common import conversation, form_offers
from bot.common.context import Context
from bot.contract.actions import FormKind, Verb, parse_action, parse_form
from bot.contract.events import (
    ButtonPressed,
    CommandInvoked,
    DirectMessageReceived,
    FormSubmitted,
    InboundEvent,
    MessageActionInvoked,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
)
from bot.contract.intents import Intent, TrackAs, Tracking
from bot.contract.ports import Delivered
from bot.domain.errors import FormInvalid, RuleViolation
from bot.domain.model import Member
from bot.features import routes as features
from bot.features.answers import best
from bot.features.answers import replies as answers
from bot.features.care import crisis
from bot.features.my_data import dm_choice, forget
from bot.features.outcomes import outcomes
from bot.features.posting import changes, early
from bot.features.posting import posts as posting
from bot.features.templates import commands as templates
from bot.features.templates import moderation as community_templates

SETBACK_COMMAND = "setback"
TEMPLATE_COMMAND = "template"


async def on_command(ctx: Context, event: CommandInvoked) -> list[Intent]:
    command = event.command.lstrip("/").lower()
    if command == SETBACK_COMMAND:
        return posting.open_setback_form(ctx, event.actor)
    if command == TEMPLATE_COMMAND:
        return await templates.command(ctx, event.actor, event.text)
    if command == features.REBOUND_COMMAND:
        return await features.command(ctx, event)
    raise RuleViolation("error.unknown_command", command=event.command)


async def on_form(ctx: Context, event: FormSubmitted) -> list[Intent]:
    parsed = parse_form(event.form_id)
    if parsed is None:
        raise RuleViolation("error.form_expired")
    if parsed.name == FormKind.SETBACK:
        return await posting.submit_setback(ctx, event)
    if parsed.name == FormKind.RELAY:
        return await answers.submit_relay_form(ctx, event, parsed.number())
    if parsed.name == FormKind.OUTCOME:
        return await outcomes.submit_outcome(ctx, event, parsed.number())
    if parsed.name == FormKind.OUTCOME_CHANGE:
        return await outcomes.submit_change(ctx, event, parsed.number())
    if parsed.name == FormKind.TEMPLATE:
        return await templates.submit_fill(ctx, event, parsed)
    if parsed.name == FormKind.TEMPLATE_ADD:
        return await community_templates.submit_add(ctx, event, parsed.number())
    if parsed.name == FormKind.TEMPLATE_EDIT and parsed.args:
        return await community_templates.submit_edit(ctx, event, parsed.args[0])
    if (handled := await features.form(ctx, event, parsed)) is not None:
        return handled
    raise RuleViolation("error.form_expired")


async def on_message(ctx: Context, event: MessagePosted) -> list[Intent]:
    top_level = event.thread_ref is None or event.thread_ref == event.message_ref
    if not top_level and event.thread_ref is not None:
        post = await early.owner(ctx, event.thread_ref, message=True)
        if post is not None:
            return await answers.record_reply(ctx, post, event)
        if event.channel_id == ctx.settings.support_channel:
            await early.park(ctx, event, event.thread_ref)  # its post's thread may be new
        return []
    if event.channel_id == ctx.settings.support_channel and event.text.strip():
        return await posting.adopt_message(ctx, event)
    return []


OnRecord = Callable[[Context, Member, int | None], Awaitable[list[Intent]]]

# Buttons whose one argument is a record id (a post, a reply, a draft).
_RECORD_BUTTONS: dict[str, OnRecord] = {
    Verb.RELAY: answers.open_relay_form,
    Verb.APPRECIATE: answers.appreciate,
    Verb.WAITING: outcomes.still_waiting,
    Verb.SNOOZE: outcomes.snooze,
    Verb.STOP: outcomes.stop_asking,
    Verb.OUTCOME_CHANGE: outcomes.open_change_form,
    Verb.TEMPLATE_SEND: templates.send_privately,
    Verb.TEMPLATE_POST: templates.post_in_thread,
    Verb.TEMPLATE_OTHER: templates.other_variants,
    Verb.OPEN_FORM: form_offers.reopen,
    Verb.CARE_RESUME: crisis.resume,
    Verb.FORGET: forget.confirm,
    Verb.DM_OFF: dm_choice.stop,
    Verb.DM_ON: dm_choice.start,
}


async def on_button(ctx: Context, event: ButtonPressed) -> list[Intent]:
    parsed = parse_action(event.action_id)
    if parsed is None:
        raise RuleViolation("error.unknown_action")
    actor, record = event.actor, parsed.number()
    on_record = _RECORD_BUTTONS.get(parsed.name)
    if on_record is not None:
        return await on_record(ctx, actor, record)
    if parsed.name == Verb.OUTCOME:
        result = parsed.args[1] if len(parsed.args) > 1 else ""
        return await outcomes.open_outcome_form(ctx, actor, record, result)
    if parsed.name == Verb.TEMPLATE_VARIANT:
        return await templates.choose_variant(ctx, actor, parsed)
    if (handled := await features.button(ctx, event, parsed)) is not None:
        return handled
    raise RuleViolation("error.unknown_action")


async def on_message_action(ctx: Context, event: MessageActionInvoked) -> list[Intent]:
    if event.action == best.MARK:
        return await best.mark(ctx, event)
    if event.action == best.UNMARK:
        return await best.unmark(ctx, event)
    if event.action == community_templates.SAVE_AS_TEMPLATE:
        return await community_templates.from_best_answer(ctx, event)
    if (handled := await features.message_action(ctx, event)) is not None:
        return handled
    raise RuleViolation("error.unknown_message_action")


async def on_reaction(ctx: Context, event: ReactionAdded | ReactionRemoved) -> list[Intent]:
    added = isinstance(event, ReactionAdded)
    await answers.react(ctx, event.actor, event.message_ref, event.emoji, added)
    return []


async def on_direct_message(ctx: Context, event: DirectMessageReceived) -> list[Intent]:
    """A private message answers a waiting form or choice, or is relayed to the thread."""
    answered = await conversation.answer(ctx, event)
    if answered is None:
        return await answers.relay_direct_message(ctx, event)
    if answered.completed is None:
        return answered.intents
    return await _complete(ctx, event, answered.completed)


async def _complete(
    ctx: Context, event: DirectMessageReceived, completed: InboundEvent
) -> list[Intent]:
    """Apply the form or button a conversation produced, as if the platform had sent it."""
    user_id = event.actor.user_id
    try:
        async with ctx.repo.savepoint():
            intents = await route(ctx, completed)
    except FormInvalid as invalid:
        return await conversation.retry(ctx, user_id, invalid)
    except RuleViolation as refusal:
        await conversation.finish(ctx, user_id)
        return [ctx.explain(event.actor, refusal)]
    if isinstance(completed, FormSubmitted):
        await conversation.finish(ctx, user_id)
    return intents


async def on_edit(ctx: Context, event: MessageEdited) -> list[Intent]:
    return await changes.edited(ctx, event)


async def on_delete(ctx: Context, event: MessageDeleted) -> list[Intent]:
    return await changes.deleted(ctx, event)


ROUTES: dict[type[InboundEvent], Callable[..., Awaitable[list[Intent]]]] = {
    CommandInvoked: on_command,
    FormSubmitted: on_form,
    MessagePosted: on_message,
    MessageEdited: on_edit,
    MessageDeleted: on_delete,
    DirectMessageReceived: on_direct_message,
    ReactionAdded: on_reaction,
    ReactionRemoved: on_reaction,
    ButtonPressed: on_button,
    MessageActionInvoked: on_message_action,
}


async def route(ctx: Context, event: InboundEvent) -> list[Intent]:
    handler = ROUTES.get(type(event))
    return await handler(ctx, event) if handler else []


Receipt = Callable[[Context, int, Delivered], Awaitable[None]]


async def _thread_started(ctx: Context, post_id: int, made: Delivered) -> None:
    await posting.on_thread_started(
        ctx, post_id, made.thread_ref or made.message_ref, made.message_ref
    )


RECEIPTS: dict[TrackAs, Receipt] = {
    TrackAs.SETBACK_THREAD: _thread_started,
    TrackAs.STATUS_MESSAGE: lambda ctx, post_id, made: posting.on_status_message_sent(
        ctx, post_id, made.message_ref
    ),
    TrackAs.RELAYED_REPLY: lambda ctx, reply_id, made: answers.on_relay_sent(
        ctx, reply_id, made.message_ref
    ),
    TrackAs.OUTCOME_ASK: lambda ctx, post_id, made: outcomes.on_ask_sent(
        ctx, post_id, made.message_ref
    ),
}


async def route_receipt(ctx: Context, tracking: Tracking, made: Delivered) -> None:
    """A message the platform confirmed becomes what it was sent as (a post's thread, its
    status message, a relayed reply, an outcome ask): routed like any other event."""
    await RECEIPTS[tracking.kind](ctx, tracking.record_id, made)
