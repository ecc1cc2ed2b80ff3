"""Forms and buttons by private message, for platforms that have neither.

A form becomes a short conversation: one question per message, answered in the member's
own words ('skip' leaves an optional field empty, 'cancel' stops). Buttons become a
numbered list answered with a number. The finished form or the chosen button is handed
back to the router as the event the platform would have sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from bot.common.context import Context
from bot.contract.events import ButtonPressed, DirectMessageReceived, FormSubmitted, InboundEvent
from bot.contract.intent_codec import decode, encode
from bot.contract.intents import Button, DirectTo, Form, FormField, Intent, Message, Send
from bot.domain.errors import FormInvalid

FORM, CHOICE = "form", "choice"


@dataclass
class FormInProgress:
    """A form asked one question at a time: the questions left, and the answers so far."""

    form: Form
    queue: list[str]
    answers: dict[str, str | list[str]] = field(default_factory=dict)

    def stored(self) -> dict[str, Any]:
        return {
            "kind": FORM,
            "form": encode(self.form),
            "queue": self.queue,
            "answers": self.answers,
        }


@dataclass(frozen=True)
class ChoiceOffered:
    """Buttons offered as a numbered list: the member answers with a number."""

    buttons: tuple[Button, ...]

    def stored(self) -> dict[str, Any]:
        return {"kind": CHOICE, "buttons": [[b.label, b.action_id] for b in self.buttons]}


Waiting = FormInProgress | ChoiceOffered


def _from_stored(state: dict[str, Any]) -> Waiting:
    if state["kind"] == CHOICE:
        buttons = tuple(Button(label=label, action_id=action) for label, action in state["buttons"])
        return ChoiceOffered(buttons)
    return FormInProgress(decode(state["form"]), list(state["queue"]), dict(state["answers"]))


async def _waiting(ctx: Context, user_id: str) -> Waiting | None:
    state = await ctx.repo.conversations.get(ctx.community_id, user_id)
    return None if state is None else _from_stored(state)


async def _keep(ctx: Context, user_id: str, waiting: Waiting) -> None:
    await ctx.repo.conversations.put(ctx.community_id, user_id, waiting.stored(), ctx.now)


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
    await _keep(ctx, user_id, FormInProgress(form, [f.name for f in form.fields]))
    return [_dm(user_id, _question(ctx, form, form.fields[0]))]


async def offer_choices(ctx: Context, user_id: str, message: Message) -> Message:
    """The message with its buttons as a numbered list; the member answers with a number."""
    await _keep(ctx, user_id, ChoiceOffered(message.buttons))
    choose = ctx.say(
        "conversation.choose", options=_options(ctx, [b.label for b in message.buttons])
    )
    # Still the same message (its key and params too), now answered by number.
    return replace(message, text=f"{message.text}\n{choose}", buttons=())


async def answer(ctx: Context, event: DirectMessageReceived) -> Answer | None:
    """Take a private message as an answer; None when no conversation is waiting for one."""
    waiting = await _waiting(ctx, event.actor.user_id)
    if waiting is None:
        return None
    text = event.text.strip()
    if isinstance(waiting, ChoiceOffered):
        return await _choose(ctx, event, waiting.buttons, text)
    if text.lower() == ctx.say("conversation.word.cancel").lower():
        await ctx.repo.conversations.end(ctx.community_id, event.actor.user_id)
        return Answer([ctx.notice(event.actor, "conversation.cancelled")])
    return await _fill(ctx, event, waiting, text)


async def _choose(
    ctx: Context, event: DirectMessageReceived, buttons: Sequence[Button], text: str
) -> Answer | None:
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
    ctx: Context, event: DirectMessageReceived, waiting: FormInProgress, text: str
) -> Answer:
    form = waiting.form
    fields = {f.name: f for f in form.fields}
    asked = fields[waiting.queue[0]]
    user_id = event.actor.user_id
    try:
        value = _value(ctx, asked, text)
    except ValueError as problem:
        return Answer([_dm(user_id, f"{problem}\n{_question(ctx, form, asked)}")])
    if value is not None:
        waiting.answers[asked.name] = value
    waiting.queue = waiting.queue[1:]
    # Kept until the router has applied the form, so a rejected answer can be asked again.
    await _keep(ctx, user_id, waiting)
    if waiting.queue:
        return Answer([_dm(user_id, _question(ctx, form, fields[waiting.queue[0]]))])
    submitted = FormSubmitted(
        community_id=event.community_id,
        event_id=f"{event.event_id}:form",
        actor=event.actor,
        form_id=form.form_id,
        values=waiting.answers,
    )
    return Answer([], completed=submitted)


async def retry(ctx: Context, user_id: str, invalid: FormInvalid) -> list[Intent]:
    """The finished form had problems: say which, and ask those questions again."""
    waiting = await _waiting(ctx, user_id)
    assert isinstance(waiting, FormInProgress)
    failing = [f for f in waiting.form.fields if f.name in invalid.problems]
    for failed in failing:
        waiting.answers.pop(failed.name, None)
    waiting.queue = [failed.name for failed in failing]
    await _keep(ctx, user_id, waiting)
    lines = [ctx.say("conversation.retry")]
    for failed in failing:
        problem = invalid.problems[failed.name]
        said = ctx.say(problem.key, **problem.params)
        lines.append(ctx.say("conversation.problem", label=failed.label, problem=said))
    lines.append(_question(ctx, waiting.form, failing[0]))
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
