"""Templates as plain values: situations, placeholders, and variants by channel and register."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

CHANNELS = ("email", "letter", "phone", "chat", "note")
REGISTERS = ("formal", "warm", "british", "american")
# A fill-in form holds five fields (Discord's modals take no more).
MAX_PLACEHOLDERS = 5


@dataclass(frozen=True, kw_only=True)
class Placeholder:
    name: str
    label: str
    description: str
    example: str
    required: bool = True
    long: bool = False
    # Names the member or how to reach them: never posted in a thread, even their own.
    identifying: bool = False


@dataclass(frozen=True, kw_only=True)
class Variant:
    channel: str
    register: str
    text: str
    subject: str = ""


@dataclass(frozen=True, kw_only=True)
class Situation:
    id: str
    title: str


@dataclass(frozen=True, kw_only=True)
class Origin:
    """Where a community template came from: a best answer in a thread."""

    thread_ref: str | None
    message_ref: str | None


@dataclass(frozen=True, kw_only=True)
class Template:
    key: str
    title: str
    when: str
    situation: str | None
    placeholders: tuple[Placeholder, ...]
    variants: tuple[Variant, ...]
    # Community templates carry their version and, when saved from a best answer, its origin.
    community: bool = False
    version: int = 1
    origin: Origin | None = None

    @property
    def channels(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(v.channel for v in self.variants))

    def variant(self, channel: str | None = None, register: str | None = None) -> Variant | None:
        """The first variant matching what was asked for (either may be left open)."""
        for variant in self.variants:
            if channel in (None, variant.channel) and register in (None, variant.register):
                return variant
        return None

    def required(self) -> tuple[Placeholder, ...]:
        return tuple(p for p in self.placeholders if p.required)


@dataclass(frozen=True, kw_only=True)
class Library:
    """One locale's built-in templates, grouped by situation."""

    situations: tuple[Situation, ...]
    templates: tuple[Template, ...]
    shared_placeholders: Mapping[str, Placeholder] = field(default_factory=dict)

    def get(self, key: str) -> Template | None:
        return next((t for t in self.templates if t.key == key), None)

    def situation_title(self, situation_id: str | None) -> str | None:
        return next((s.title for s in self.situations if s.id == situation_id), None)

    def over(self, base: Library) -> Library:
        """`base` with this library laid on top: templates and situations replace the base's
        with the same id (in the base's order), new ones come after, placeholders by name."""
        return Library(
            situations=_laid_over(self.situations, base.situations, lambda s: s.id),
            templates=_laid_over(self.templates, base.templates, lambda t: t.key),
            shared_placeholders={**base.shared_placeholders, **self.shared_placeholders},
        )


_T = TypeVar("_T")


def _laid_over(top: Iterable[_T], base: Iterable[_T], key: Callable[[_T], str]) -> tuple[_T, ...]:
    own = {key(item): item for item in top}
    kept = tuple(own.pop(key(item), item) for item in base)
    return kept + tuple(own.values())
