"""Intents to JSON and back, so the outbox can keep them in the database."""

from __future__ import annotations

import dataclasses
from typing import Any

from bot.contract import intents as module

_TYPES: dict[str, type[Any]] = {
    name: value
    for name, value in vars(module).items()
    if isinstance(value, type) and dataclasses.is_dataclass(value)
}
_KIND = "__type__"


_FIELDS: dict[type[Any], tuple[str, ...] | None] = {}


def _stored_fields(kind: type[Any]) -> tuple[str, ...] | None:
    """The fields of a dataclass type that are stored; None for any other type."""
    if kind not in _FIELDS:
        _FIELDS[kind] = (
            tuple(f.name for f in dataclasses.fields(kind) if f.metadata != module.LOCAL_ONLY)
            if dataclasses.is_dataclass(kind)
            else None
        )
    return _FIELDS[kind]


def encode(value: Any) -> Any:
    """A JSON-ready form of an intent (nested dataclasses are tagged with their type).

    Fields marked `LOCAL_ONLY` (a message's content key and parameters: they may hold member
    words and dates, and a platform never needs them) are left out; they decode as defaults.
    """
    if isinstance(value, str | int | float | bool | None):
        return value
    names = _stored_fields(type(value))
    if names is not None:
        fields = {name: encode(getattr(value, name)) for name in names}
        return {_KIND: type(value).__name__, **fields}
    if isinstance(value, tuple | list):
        return [encode(item) for item in value]
    if isinstance(value, dict):
        return {str(key): encode(item) for key, item in value.items()}
    return value.value if hasattr(value, "value") and not isinstance(value, str) else value


def decode(data: Any) -> Any:
    """The inverse of `encode`; lists come back as tuples, as the frozen intents hold them."""
    if isinstance(data, list):
        return tuple(decode(item) for item in data)
    if not isinstance(data, dict):
        return data
    if _KIND not in data:
        return {key: decode(item) for key, item in data.items()}
    kind = _TYPES[data[_KIND]]
    values = {key: decode(item) for key, item in data.items() if key != _KIND}
    if kind is module.Tracking:
        values["kind"] = module.TrackAs(values["kind"])
    return kind(**values)
