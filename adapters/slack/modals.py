"""Core forms as Slack modals, and a submitted modal's state back as form values.

Each field is an input block whose `block_id` and `action_id` are the field's name, so
`response_action: errors` can point at fields by name and the values come back by name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from adapters.slack.text import clip
from bot.api import Choice, Form, FormField

TITLE_LIMIT = 24  # modal title and submit label
LABEL_LIMIT = 2000
HINT_LIMIT = 2000
OPTION_LIMIT = 75
# Slack refuses a select menu with more options, or more option groups, than this.
SELECT_OPTIONS_MAX = 100
TEXT_INPUT_LIMIT = 3000
CHECKBOX_CHOICES_MAX = 10
FLAG_VALUE = "yes"

View = dict[str, Any]


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit)}


def modal(form: Form, private_metadata: str = "") -> View:
    """The modal for `form`; `private_metadata` comes back with the submission."""
    return {
        "type": "modal",
        "callback_id": form.form_id,
        "title": _plain(form.title, TITLE_LIMIT),
        "submit": _plain(form.submit_label, TITLE_LIMIT),
        "private_metadata": private_metadata,
        "blocks": [_input(field) for field in form.fields],
    }


def _input(field: FormField) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": field.name,
        "optional": not field.required,
        "label": _plain(field.label, LABEL_LIMIT),
        "element": {"action_id": field.name, **_element(field)},
    }
    if field.hint and field.kind != "checkbox":
        block["hint"] = _plain(field.hint, HINT_LIMIT)
    return block


def _element(field: FormField) -> dict[str, Any]:
    initial = field.initial
    match field.kind:
        case "text" | "long_text":
            max_length = min(field.max_length or TEXT_INPUT_LIMIT, TEXT_INPUT_LIMIT)
            element: dict[str, Any] = {
                "type": "plain_text_input",
                "multiline": field.kind == "long_text",
                "max_length": max_length,
            }
            if isinstance(initial, str) and initial:
                # The member could not submit more than the input holds anyway.
                element["initial_value"] = initial[:max_length]
            return element
        case "choice":
            element = {"type": "static_select", **_select_options(field.choices)}
            chosen = _chosen(field.choices, initial)
            if chosen:
                element["initial_option"] = chosen[0]
            return element
        case "multi_choice":
            if len(field.choices) <= CHECKBOX_CHOICES_MAX:
                element = {"type": "checkboxes", "options": _options(field.choices)}
            else:
                element = {"type": "multi_static_select", **_select_options(field.choices)}
            chosen = _chosen(field.choices, initial)
            if chosen:
                element["initial_options"] = chosen
            return element
        case "date":
            element = {"type": "datepicker"}
            if isinstance(initial, str) and initial:
                element["initial_date"] = initial
            return element
        case "checkbox":
            # One box; its words are the hint, or the label again when there is no hint.
            flag = Choice(value=FLAG_VALUE, label=field.hint or field.label)
            element = {"type": "checkboxes", "options": _options((flag,))}
            if initial in {FLAG_VALUE, (FLAG_VALUE,)}:
                element["initial_options"] = _options((flag,))
            return element


def _options(choices: Sequence[Choice]) -> list[dict[str, Any]]:
    return [{"text": _plain(c.label, OPTION_LIMIT), "value": c.value} for c in choices]


def _select_options(choices: Sequence[Choice]) -> dict[str, Any]:
    """A select menu's `options`, or past Slack's cap, `option_groups` of at most that many
    (labelled by position; choices past 100 groups are left out, as Slack could not show them)."""
    options = _options(choices)
    if len(options) <= SELECT_OPTIONS_MAX:
        return {"options": options}
    size = SELECT_OPTIONS_MAX
    starts = range(0, min(len(options), size * SELECT_OPTIONS_MAX), size)
    return {
        "option_groups": [
            {
                "label": _plain(f"{start + 1}-{min(start + size, len(options))}", OPTION_LIMIT),
                "options": options[start : start + size],
            }
            for start in starts
        ]
    }


def _chosen(choices: Sequence[Choice], initial: str | tuple[str, ...]) -> list[dict[str, Any]]:
    wanted = {initial} if isinstance(initial, str) else set(initial)
    return _options([c for c in choices if c.value in wanted])


def submitted_values(state: Mapping[str, Any]) -> dict[str, str | list[str]]:
    """A view's `state.values` as form values by field name (empty inputs left out)."""
    values: dict[str, str | list[str]] = {}
    for block_id, actions in state.get("values", {}).items():
        for element in actions.values():
            value = _value(element)
            if value is not None:
                values[block_id] = value
    return values


def _value(element: Mapping[str, Any]) -> str | list[str] | None:
    kind = element.get("type")
    if kind in {"checkboxes", "multi_static_select"}:
        return [str(option.get("value", "")) for option in element.get("selected_options") or []]
    if kind in {"static_select", "radio_buttons"}:
        option = element.get("selected_option")
        return str(option.get("value", "")) if option else None
    if kind == "datepicker":
        date = element.get("selected_date")
        return str(date) if date else None
    value = element.get("value")
    return str(value) if value is not None else None
