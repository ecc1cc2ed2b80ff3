"""Building the forms the core asks for; their words come from `form.*` and `field.*` keys."""

from __future__ import annotations

from collections.abc import Iterable

from bot.common.context import Context
from bot.contract.actions import FormKind, form_id
from bot.contract.intents import Choice, FieldKind, Form, FormField


def choices(ctx: Context, prefix: str, values: Iterable[str]) -> tuple[Choice, ...]:
    """Choices labelled by `<prefix>.<value>` keys."""
    return tuple(Choice(value=value, label=ctx.say(f"{prefix}.{value}")) for value in values)


def field(
    ctx: Context,
    name: str,
    kind: FieldKind,
    *,
    required: bool = False,
    max_length: int | None = None,
    choices: tuple[Choice, ...] = (),
    initial: str | tuple[str, ...] = "",
    hinted: bool = False,
    **hint_params: object,
) -> FormField:
    """A field labelled by `field.<name>.label`, with `field.<name>.hint` when `hinted`."""
    return FormField(
        name=name,
        label=ctx.say(f"field.{name}.label"),
        kind=kind,
        required=required,
        max_length=max_length,
        choices=choices,
        initial=initial,
        hint=ctx.say(f"field.{name}.hint", **hint_params) if hinted else "",
    )


def form(ctx: Context, kind: FormKind, fields: Iterable[FormField], *ids: object) -> Form:
    """A form titled by `form.<kind>.title`, its button by `form.<kind>.submit`."""
    return Form(
        form_id=form_id(kind, *ids),
        title=ctx.say(f"form.{kind.value}.title"),
        submit_label=ctx.say(f"form.{kind.value}.submit"),
        fields=tuple(fields),
    )
