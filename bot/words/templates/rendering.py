"""Filling a template variant with a member's values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.words.located_yaml import placeholders_of
from bot.words.templates.model import Template, Variant


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str


class MissingValues(ValueError):
    def __init__(self, names: tuple[str, ...]) -> None:
        super().__init__(", ".join(names))
        self.names = names


def _fill(text: str, values: Mapping[str, str], optional: frozenset[str]) -> str:
    """Fill each line; a line whose optional placeholder was left empty is left out."""
    kept: list[str] = []
    for line in text.splitlines():
        used = placeholders_of(line, "template line")
        if any(name in optional and not values.get(name) for name in used):
            continue
        kept.append(line.format_map({name: values.get(name, "") for name in used}))
    return "\n".join(kept).strip()


def render(template: Template, variant: Variant, values: Mapping[str, str]) -> Rendered:
    """The variant's subject and text filled in; every required placeholder must have a value."""
    missing = tuple(p.name for p in template.required() if not values.get(p.name, "").strip())
    if missing:
        raise MissingValues(missing)
    optional = frozenset(p.name for p in template.placeholders if not p.required)
    cleaned = {name: value.strip() for name, value in values.items()}
    return Rendered(
        subject=_fill(variant.subject, cleaned, optional),
        text=_fill(variant.text, cleaned, optional),
    )


def sample_values(template: Template) -> dict[str, str]:
    """Every placeholder filled with its example: what a preview in the docs or tests shows."""
    return {p.name: p.example for p in template.placeholders}
