"""The core's forms as Discord modals, and their submissions back as form values.

A modal holds at most five fields. Values the command already gave (`/setback anonymous`)
are carried in the modal's id and not asked again; if more than five remain, optional
one-line text fields go first (the setback form's free tags: on Discord the forum tags
play that part), then optional fields from the end. A field not shown keeps its initial
value. Choices are select menus, dates are text inputs holding an ISO day (the core
checks them), check boxes are Discord check boxes.

The modal id is the core's form id plus the carried values, so a submission is
understood without any memory of the modal: it survives a restart and two members can
fill the same form at once.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode

import discord

from bot.api import Form, FormField

MODAL_FIELDS_MAX = 5
MODAL_TITLE_MAX = 45
LABEL_MAX = 45
DESCRIPTION_MAX = 100
TEXT_INPUT_MAX = 4000
OPTIONS_MAX = 25
# A forum post's name is at most 100 characters: a longer title could not be its name.
FIELD_LIMITS = {"title": 100}
PRESETS = "|"
MODAL_KEPT_SECONDS = 3600.0
CHECKED, UNCHECKED = "yes", "no"

Values = dict[str, str | Sequence[str]]


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def modal_id(form_id: str, presets: Mapping[str, str]) -> str:
    return f"{form_id}{PRESETS}{urlencode(presets)}" if presets else form_id


def parse_modal_id(custom_id: str) -> tuple[str, dict[str, str]]:
    form_id, _, carried = custom_id.partition(PRESETS)
    return form_id, dict(parse_qsl(carried))


def shown_fields(form: Form, presets: Mapping[str, str]) -> list[FormField]:
    fields = [f for f in form.fields if f.name not in presets]
    droppable = [f for f in fields if f.kind == "text" and not f.required]
    droppable += [f for f in reversed(fields) if not f.required and f not in droppable]
    for field in droppable:
        if len(fields) <= MODAL_FIELDS_MAX:
            break
        fields.remove(field)
    return fields[:MODAL_FIELDS_MAX]


def _initial(field: FormField) -> tuple[str, ...]:
    return field.initial if isinstance(field.initial, tuple) else (field.initial,)


def _input(field: FormField) -> discord.ui.Item[Any]:
    if field.kind in ("choice", "multi_choice") or (field.kind == "checkbox" and field.choices):
        chosen = set(_initial(field))
        options = [
            discord.SelectOption(label=_cut(c.label, 100), value=c.value, default=c.value in chosen)
            for c in field.choices[:OPTIONS_MAX]
        ]
        many = field.kind != "choice"
        return discord.ui.Select(
            custom_id=field.name,
            options=options,
            min_values=1 if field.required else 0,
            max_values=len(options) if many else 1,
            required=field.required,
        )
    if field.kind == "checkbox":
        return discord.ui.Checkbox(custom_id=field.name, default=field.initial == CHECKED)
    limit = min(
        field.max_length or TEXT_INPUT_MAX,
        TEXT_INPUT_MAX,
        FIELD_LIMITS.get(field.name, TEXT_INPUT_MAX),
    )
    initial = _initial(field)[0] if _initial(field) else ""
    return discord.ui.TextInput(
        custom_id=field.name,
        style=discord.TextStyle.paragraph if field.kind == "long_text" else discord.TextStyle.short,
        required=field.required,
        max_length=limit,
        default=initial[:limit] or None,
    )


def modal_of(form: Form, presets: Mapping[str, str] | None = None) -> discord.ui.Modal:
    presets = {**dict(form.answered), **(presets or {})}
    modal = discord.ui.Modal(
        title=_cut(form.title, MODAL_TITLE_MAX),
        custom_id=modal_id(form.form_id, presets),
        # Submissions are handled from their id alone (DiscordBridge.on_interaction); the
        # timeout only lets discord.py forget the modal objects it keeps.
        timeout=MODAL_KEPT_SECONDS,
    )
    for field in shown_fields(form, presets):
        hint = _cut(field.hint, DESCRIPTION_MAX) if field.hint else None
        modal.add_item(
            discord.ui.Label(
                text=_cut(field.label, LABEL_MAX), description=hint, component=_input(field)
            )
        )
    return modal


def submitted_values(
    form_id_and_presets: str, components: Sequence[Mapping[str, Any]]
) -> tuple[str, Values]:
    """The form id and every value of a modal submission (`interaction.data`)."""
    form_id, presets = parse_modal_id(form_id_and_presets)
    values: Values = dict(presets)
    for leaf in _leaves(components):
        name = leaf.get("custom_id")
        if not isinstance(name, str):
            continue
        if "values" in leaf:
            values[name] = tuple(str(v) for v in leaf["values"])
        elif isinstance(leaf.get("value"), bool):
            values[name] = CHECKED if leaf["value"] else UNCHECKED
        else:
            values[name] = str(leaf.get("value") or "")
    return form_id, values


def _leaves(components: Sequence[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
    for component in components:
        if "component" in component:
            yield from _leaves([component["component"]])
        elif "components" in component:
            yield from _leaves(component["components"])
        else:
            yield component
