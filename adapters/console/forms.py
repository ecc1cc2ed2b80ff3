"""Answering the core's forms at the console, as a form UI would.

Scripts (`fill` steps) and the interactive prompt share these rules: a choice may be
given by its number in the list (digits always mean a position, counted from 1), or by
its label or value; a date as an ISO day or as a delay from today (`10d`); a field left
out takes its initial value, as on Slack or Discord.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta

from adapters.console.durations import DurationError, parse_duration
from bot.api import Choice, Form, FormField

Answer = str | tuple[str, ...]
_CHECKED = {"yes", "y", "true", "on", "1", "x"}
_UNCHECKED = {"no", "n", "false", "off", "0", ""}


class AnswerError(ValueError):
    """An answer the form cannot take; the message names the field."""


def fill_form(form: Form, answers: Mapping[str, object], today: date) -> dict[str, Answer]:
    """Every field's value: the given answers, the initial value for the rest."""
    names = [field.name for field in form.fields]
    unknown = [name for name in answers if name not in names]
    if unknown:
        raise AnswerError(
            f"the form {form.title!r} has no field {unknown[0]!r} (fields: {', '.join(names)})"
        )
    return {
        field.name: (
            answer_field(field, answers[field.name], today)
            if field.name in answers
            else field.initial
        )
        for field in form.fields
    }


def answer_field(field: FormField, raw: object, today: date) -> Answer:
    """One field's value from a script value or a typed line."""
    try:
        return _answer(field, raw, today)
    except AnswerError as exc:
        raise AnswerError(f"{field.name}: {exc}") from None


def _answer(field: FormField, raw: object, today: date) -> Answer:
    multiple = field.kind == "multi_choice" or (field.kind == "checkbox" and field.choices)
    if multiple:
        return tuple(_choose(field.choices, item) for item in _items(raw))
    text = _scalar(raw)
    if field.kind == "choice":
        return _choose(field.choices, text) if text else ""
    if field.kind == "date":
        return _date(text, today)
    if field.kind == "checkbox":
        return _checkbox(text)
    return text


def _scalar(raw: object) -> str:
    if isinstance(raw, bool):
        return "yes" if raw else "no"
    if isinstance(raw, str | int | float):
        return str(raw).strip()
    if raw is None:
        return ""
    raise AnswerError("give one value here, not a list")


def _items(raw: object) -> list[str]:
    if isinstance(raw, list | tuple):
        return [_scalar(item) for item in raw if _scalar(item)]
    return [part.strip() for part in _scalar(raw).split(",") if part.strip()]


def _choose(choices: tuple[Choice, ...], given: str) -> str:
    """A choice's value from its position (digits, from 1), else its label or value.

    Digits never match values: a choice's value may itself be a number (a record id),
    and what a person sees and types is the position in the list."""
    if given.isdigit():
        if 1 <= int(given) <= len(choices):
            return choices[int(given) - 1].value
        raise AnswerError(f"there is no choice {given}: {_numbered(choices)}")
    folded = given.casefold()
    for choice in choices:
        if folded in (choice.label.casefold(), choice.value.casefold()):
            return choice.value
    raise AnswerError(f"{given!r} is not one of the choices: {_numbered(choices)}")


def _numbered(choices: tuple[Choice, ...]) -> str:
    return ", ".join(f"{c.label} ({n})" for n, c in enumerate(choices, start=1))


def _date(text: str, today: date) -> str:
    if not text:
        return ""
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        pass
    try:
        delta = parse_duration(text.lstrip("+"))
    except DurationError:
        example = (today + timedelta(days=10)).isoformat()
        raise AnswerError(f"{text!r} is not a date: write {example} or a delay like 10d") from None
    moment = datetime.combine(today, datetime.min.time()) + delta
    return moment.date().isoformat()


def _checkbox(text: str) -> str:
    folded = text.casefold()
    if folded in _CHECKED:
        return "yes"
    if folded in _UNCHECKED:
        return "no"
    raise AnswerError(f"{text!r} is not yes or no")


def describe_field(field: FormField) -> list[str]:
    """Lines that show a field at the prompt: its label, hint and numbered choices."""
    marker = " *" if field.required else ""
    lines = [f"{field.label}{marker}"]
    if field.hint:
        lines.append(f"  ({field.hint})")
    lines.extend(f"  [{n}] {c.label}" for n, c in enumerate(field.choices, start=1))
    return lines


def shown_answer(field: FormField, answer: Answer, *, numbered: bool = False) -> str:
    """An answer as a person reads it: choices by their labels (and numbers, if asked)."""
    picked = answer if isinstance(answer, tuple) else (answer,) if answer else ()
    if not field.choices:
        return ", ".join(picked)
    known = {c.value: (n, c.label) for n, c in enumerate(field.choices, start=1)}
    shown = []
    for value in picked:
        number, label = known.get(value, (0, value))
        shown.append(f"{label} ({number})" if numbered and number else label)
    return ", ".join(shown)
