"""Reading templates from YAML: the built-in library file and moderators' snippets.

Both go through the same checks, and a problem names the source, the line and what is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.words.located_yaml import ContentError, Located, load_located, placeholders_of
from bot.words.templates.model import (
    CHANNELS,
    MAX_PLACEHOLDERS,
    REGISTERS,
    Library,
    Placeholder,
    Situation,
    Template,
    Variant,
)

_FLAGS = ("required", "long", "identifying")
TEMPLATE_KEY = re.compile(r"[a-z][a-z0-9_]{1,39}")
TITLE_MAX = 80
LABEL_MAX = 45  # a form field's label, as short as Discord's modals need
WHEN_MAX = 200
TEXT_MAX = 3000


class _Reader:
    """Field access on one located mapping, raising errors that point at the right line."""

    def __init__(self, data: Located, source: str, what: str) -> None:
        self.data, self.source, self.what = data, source, what

    def fail(self, problem: str, key: str | None = None) -> ContentError:
        line = self.data.line_of(key) if key else self.data.line
        return ContentError(f"{self.source}:{line}: {self.what}: {problem}")

    def text(self, key: str, *, limit: int, optional: bool = False) -> str:
        value = self.data.get(key)
        if value is None and optional:
            return ""
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{key} must be a non-empty text", key)
        if len(value) > limit:
            raise self.fail(f"{key} is {len(value)} characters; the limit is {limit}", key)
        return value.strip()

    def mapping(self, key: str) -> Located:
        value = self.data.get(key)
        if not isinstance(value, Located):
            raise self.fail(f"{key} must be a mapping", key)
        return value

    def listing(self, key: str, *, optional: bool = False) -> list[Any]:
        value = self.data.get(key)
        if value is None and optional:
            return []
        if not isinstance(value, list) or not value:
            raise self.fail(f"{key} must be a non-empty list", key)
        return value

    def only(self, allowed: set[str]) -> None:
        for key in self.data:
            if key not in allowed:
                raise self.fail(f"unknown field {key!r}; expected {sorted(allowed)}", key)


def _located(value: object, parent: _Reader, what: str) -> _Reader:
    if not isinstance(value, Located):
        raise parent.fail(f"each {what} must be a mapping")
    return _Reader(value, parent.source, what)


def _placeholder(
    name: str, value: Any, reader: _Reader, shared: Mapping[str, Placeholder]
) -> Placeholder:
    if not name.isidentifier() or name != name.lower():
        raise reader.fail(f"placeholder name {name!r} must be lower_snake_case", name)
    if value in ("required", "optional"):
        base = shared.get(name)
        if base is None:
            raise reader.fail(
                f"placeholder {name!r} is not a shared one; define it here with "
                "description, example and required",
                name,
            )
        return Placeholder(
            name=name,
            label=base.label,
            description=base.description,
            example=base.example,
            required=value == "required",
            long=base.long,
            identifying=base.identifying,
        )
    own = _located(value, reader, f"placeholder {name}")
    return _defined_placeholder(name, own)


def _defined_placeholder(name: str, reader: _Reader) -> Placeholder:
    reader.only({"label", "description", "example", "required", "long", "identifying"})
    flags = {flag: reader.data.get(flag, flag == "required") for flag in _FLAGS}
    for flag, value in flags.items():
        if not isinstance(value, bool):
            raise reader.fail(f"{flag} must be true or false", flag)
    return Placeholder(
        name=name,
        label=reader.text("label", limit=LABEL_MAX),
        description=reader.text("description", limit=WHEN_MAX),
        example=reader.text("example", limit=WHEN_MAX),
        required=flags["required"],
        long=flags["long"],
        identifying=flags["identifying"],
    )


def _variant(reader: _Reader, declared: frozenset[str]) -> Variant:
    reader.only({"channel", "register", "subject", "text"})
    channel = reader.text("channel", limit=20)
    register = reader.text("register", limit=20)
    if channel not in CHANNELS:
        raise reader.fail(
            f"unknown channel {channel!r}; channels are {', '.join(CHANNELS)}", "channel"
        )
    if register not in REGISTERS:
        raise reader.fail(
            f"unknown register {register!r}; registers are {', '.join(REGISTERS)}", "register"
        )
    variant = Variant(
        channel=channel,
        register=register,
        subject=reader.text("subject", limit=WHEN_MAX, optional=True),
        text=reader.text("text", limit=TEXT_MAX),
    )
    for part in ("subject", "text"):
        where = f"{reader.source}:{reader.data.line_of(part)}"
        undeclared = placeholders_of(getattr(variant, part), where) - declared
        if undeclared:
            raise reader.fail(
                f"{channel}/{register} uses undeclared placeholder(s) "
                f"{', '.join('{' + n + '}' for n in sorted(undeclared))}; "
                f"declared: {', '.join(sorted(declared)) or 'none'}",
                part,
            )
    return variant


def parse_template(
    reader: _Reader,
    shared: Mapping[str, Placeholder],
    situations: frozenset[str],
    *,
    community: bool = False,
) -> Template:
    """One template entry, fully checked."""
    reader.only({"id", "situation", "title", "when", "placeholders", "variants"})
    key = reader.text("id", limit=40)
    if not TEMPLATE_KEY.fullmatch(key):
        raise reader.fail(f"id {key!r} must be lower_snake_case, 2 to 40 characters", "id")
    reader.what = f"template {key}"
    situation = reader.text("situation", limit=40, optional=community) or None
    if situation is not None and situation not in situations:
        raise reader.fail(
            f"unknown situation {situation!r}; situations are {', '.join(sorted(situations))}",
            "situation",
        )
    declared_data = reader.data.get("placeholders") or Located()
    if not isinstance(declared_data, Located):
        raise reader.fail("placeholders must be a mapping of names", "placeholders")
    placeholder_reader = _Reader(declared_data, reader.source, reader.what)
    placeholders = tuple(
        _placeholder(name, value, placeholder_reader, shared)
        for name, value in declared_data.items()
    )
    if len(placeholders) > MAX_PLACEHOLDERS:
        raise reader.fail(
            f"{len(placeholders)} placeholders; a template may have at most {MAX_PLACEHOLDERS}",
            "placeholders",
        )
    declared = frozenset(p.name for p in placeholders)
    variants = tuple(
        _variant(_located(item, reader, f"{reader.what} variant"), declared)
        for item in reader.listing("variants")
    )
    seen: set[tuple[str, str]] = set()
    for item, variant in zip(reader.data["variants"], variants, strict=True):
        pair = (variant.channel, variant.register)
        if pair in seen:
            raise ContentError(
                f"{reader.source}:{item.line}: {reader.what}: duplicate variant "
                f"{variant.channel}/{variant.register}"
            )
        seen.add(pair)
    return Template(
        key=key,
        title=reader.text("title", limit=TITLE_MAX),
        when=reader.text("when", limit=WHEN_MAX),
        situation=situation,
        placeholders=placeholders,
        variants=variants,
        community=community,
    )


def _shared_placeholders(reader: _Reader) -> dict[str, Placeholder]:
    data = reader.data.get("placeholders") or Located()
    if not isinstance(data, Located):
        raise reader.fail("placeholders must be a mapping of names", "placeholders")
    return {
        name: _defined_placeholder(name, _located(value, reader, f"placeholder {name}"))
        for name, value in data.items()
    }


def _situations(reader: _Reader, *, optional: bool) -> tuple[Situation, ...]:
    situations: list[Situation] = []
    for item in reader.listing("situations", optional=optional):
        entry = _located(item, reader, "situation")
        entry.only({"id", "title"})
        situation = Situation(
            id=entry.text("id", limit=40), title=entry.text("title", limit=TITLE_MAX)
        )
        if any(s.id == situation.id for s in situations):
            raise entry.fail(f"duplicate situation id {situation.id!r}", "id")
        situations.append(situation)
    return tuple(situations)


def parse_library(text: str, source: str, base: Library | None = None) -> Library:
    """A whole templates.yaml file: shared placeholders, situations and templates.

    With `base`, the file overrides it: every part is optional, and templates may use the
    base's situations and shared placeholders. Only the file's own entries are returned;
    `Library.over` lays them on the base.
    """
    reader = _Reader(load_located(text, source), source, "templates file")
    reader.only({"placeholders", "situations", "templates"})
    shared = _shared_placeholders(reader)
    known = {**base.shared_placeholders, **shared} if base else shared
    situations = _situations(reader, optional=base is not None)
    situation_ids = frozenset(s.id for s in situations + (base.situations if base else ()))
    templates: list[Template] = []
    for item in reader.listing("templates", optional=base is not None):
        template = parse_template(_located(item, reader, "template"), known, situation_ids)
        if any(t.key == template.key for t in templates):
            raise ContentError(f"{source}:{item.line}: duplicate template id {template.key!r}")
        templates.append(template)
    return Library(situations=situations, templates=tuple(templates), shared_placeholders=shared)


def parse_snippet(text: str, library: Library, source: str = "template") -> Template:
    """A moderator's YAML for one community template, checked like the built-in ones."""
    data = load_located(text, source)
    return parse_template(
        _Reader(data, source, "template"),
        library.shared_placeholders,
        frozenset(s.id for s in library.situations),
        community=True,
    )
