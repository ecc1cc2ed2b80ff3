"""Forms and buttons by private message, for platforms that have neither.

A form becomes a short conversation: one question per message, answered in the member's
own words ('skip' leaves an optional field empty, 'cancel' stops). Buttons become a
numbered list answered with a number. The finished form or the chosen button is handed
back to the router as the event the platform would have sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from bot.contract.events import ButtonPressed, DirectMessageReceived, FormSubmitted, InboundEvent
from bot.contract.intent_codec import decode, encode
from bot.contract.intents import Button, DirectTo, Form, FormField, Intent, Message, Send
from bot.domain.errors import FormInvalid
from bot.kernel.context import Context

FORM, CHOICE = "form", "choice"


@dataclass(frozen=True)
class Answer:
    """What a private message did: more conversation, or the event it completed."""

    intents: list[Intent]
    completed: InboundEvent | None = None


def _dm(user_id: str, text: str) -> Send:
    return Send(target=DirectTo(user_id=user_id), message=Message(text=text))


def _options(ctx: Context, labels: Sequence[str]) -> str:
    return " · ".join(
        ctx.say("conversation.option", number=n, label=label) for n, label in enumerate(labels, 1)
    )


def _question(ctx: Context, form: Form, field: FormField) -> str:
    lines = [ctx.say("conversation.question", form=form.title, label=field.label)]
    if field.hint:
        lines.append(field.hint)
    if field.choices:
        lines.append(
            ctx.say("conversation.options", options=_options(ctx, [c.label for c in field.choices]))
        )
    if field.kind == "multi_choice":
        lines.append(ctx.say("conversation.multi"))
    if field.kind == "checkbox":
        lines.append(ctx.say("conversation.yes_no"))
    lines.append(ctx.say("conversation.how"))
    return "\n".join(lines)


async def start_form(ctx: Context, user_id: str, form: Form) -> list[Intent]:
    """Ask the form's first question by private message."""
    state = {
        "kind": FORM,
        "form": encode(form),
        "queue": [f.name for f in form.fields],
        "answers": {},
    }
    await ctx.repo.conversations.put(ctx.community_id, user_id, state, ctx.now)
    return [_dm(user_id, _question(ctx, form, form.fields[0]))]


async def offer_choices(ctx: Context, user_id: str, message: Message) -> Message:
    """The message with its buttons as a numbered list; the member answers with a number."""
    buttons = [[b.label, b.action_id] for b in message.buttons]
    await ctx.repo.conversations.put(
        ctx.community_id, user_id, {"kind": CHOICE, "buttons": buttons}, ctx.now
    )
    choose = ctx.say(
        "conversation.choose", options=_options(ctx, [b.label for b in message.buttons])
    )
    # Still the same message (its key and params too), now answered by number.
    return replace(message, text=f"{message.text}\n{choose}", buttons=())


async def answer(ctx: Context, event: DirectMessageReceived) -> Answer | None:
    """Take a private message as an answer; None when no conversation is waiting for one."""
    state = await ctx.repo.conversations.get(ctx.community_id, event.actor.user_id)
    if state is None:
        return None
    text = event.text.strip()
    if state["kind"] == CHOICE:
        return await _choose(ctx, event, state, text)
    if text.lower() == ctx.say("conversation.word.cancel").lower():
        await ctx.repo.conversations.end(ctx.community_id, event.actor.user_id)
        return Answer([ctx.notice(event.actor, "conversation.cancelled")])
    return await _fill(ctx, event, state, text)


async def _choose(
    ctx: Context, event: DirectMessageReceived, state: dict[str, Any], text: str
) -> Answer | None:
    buttons = [Button(label=label, action_id=action) for label, action in state["buttons"]]
    if not text.isdigit() or not 1 <= int(text) <= len(buttons):
        return None  # not an answer to the choice: let the message be what it says
    await ctx.repo.conversations.end(ctx.community_id, event.actor.user_id)
    pressed = ButtonPressed(
        community_id=event.community_id,
        event_id=f"{event.event_id}:choice",
        actor=event.actor,
        action_id=buttons[int(text) - 1].action_id,
    )
    return Answer([], completed=pressed)


async def _fill(
    ctx: Context, event: DirectMessageReceived, state: dict[str, Any], text: str
) -> Answer:
    form: Form = decode(state["form"])
    fields = {field.name: field for field in form.fields}
    field = fields[state["queue"][0]]
    user_id = event.actor.user_id
    try:
        value = _value(ctx, field, text)
    except ValueError as problem:
        return Answer([_dm(user_id, f"{problem}\n{_question(ctx, form, field)}")])
    if value is not None:
        state["answers"][field.name] = value
    state["queue"] = state["queue"][1:]
    if state["queue"]:
        await ctx.repo.conversations.put(ctx.community_id, user_id, state, ctx.now)
        return Answer([_dm(user_id, _question(ctx, form, fields[state["queue"][0]]))])
    # Kept until the router has applied the form, so a rejected answer can be asked again.
    await ctx.repo.conversations.put(ctx.community_id, user_id, state, ctx.now)
    submitted = FormSubmitted(
        community_id=event.community_id,
        event_id=f"{event.event_id}:form",
        actor=event.actor,
        form_id=form.form_id,
        values=state["answers"],
    )
    return Answer([], completed=submitted)


async def retry(ctx: Context, user_id: str, invalid: FormInvalid) -> list[Intent]:
    """The finished form had problems: say which, and ask those questions again."""
    state = await ctx.repo.conversations.get(ctx.community_id, user_id)
    assert state is not None
    assert state["kind"] == FORM
    form: Form = decode(state["form"])
    failing = [f for f in form.fields if f.name in invalid.problems]
    for field in failing:
        state["answers"].pop(field.name, None)
    state["queue"] = [field.name for field in failing]
    await ctx.repo.conversations.put(ctx.community_id, user_id, state, ctx.now)
    lines = [ctx.say("conversation.retry")]
    for field in failing:
        problem = invalid.problems[field.name]
        said = ctx.say(problem.key, **problem.params)
        lines.append(ctx.say("conversation.problem", label=field.label, problem=said))
    lines.append(_question(ctx, form, failing[0]))
    return [_dm(user_id, "\n".join(lines))]


async def finish(ctx: Context, user_id: str) -> None:
    await ctx.repo.conversations.end(ctx.community_id, user_id)


def _value(ctx: Context, field: FormField, text: str) -> str | list[str] | None:
    """A field's value from a typed answer; None leaves it out. Raises ValueError, worded."""
    if text.lower() == ctx.say("conversation.word.skip").lower() or not text:
        if field.required:
            raise ValueError(ctx.say("conversation.required"))
        return None
    if field.kind == "checkbox":
        yes = text.lower() == ctx.say("conversation.word.yes").lower()
        return "yes" if yes else "no"
    if field.kind == "choice":
        return _pick(ctx, field, text)
    if field.kind == "multi_choice":
        return [_pick(ctx, field, part.strip()) for part in text.split(",") if part.strip()]
    if field.max_length is not None and len(text) > field.max_length:
        raise ValueError(ctx.say("error.field_too_long", limit=field.max_length, length=len(text)))
    return text


def _pick(ctx: Context, field: FormField, text: str) -> str:
    for number, choice in enumerate(field.choices, 1):
        if text in {str(number), choice.value} or text.lower() == choice.label.lower():
            return choice.value
    raise ValueError(ctx.say("conversation.bad_choice", value=text))
