"""Intents to JSON and back, so the outbox can keep them in the database."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from bot.contract import intents as module

_TYPES: dict[str, type[Any]] = {
    name: value
    for name, value in vars(module).items()
    if isinstance(value, type) and dataclasses.is_dataclass(value)
}
_KIND = "__type__"


Encoder = Callable[[Any], Any]
_ENCODERS: dict[type[Any], Encoder] = {}
"""One encoder per type met, built on first use (an outbox row encodes dozens of values)."""


def encode(value: Any) -> Any:
    """A JSON-ready form of an intent (nested dataclasses are tagged with their type).

    Fields marked `LOCAL_ONLY` (a message's content key and parameters: they may hold member
    words and dates, and a platform never needs them) are left out; they decode as defaults.
    """
    kind = type(value)
    encoder = _ENCODERS.get(kind)
    if encoder is None:
        encoder = _ENCODERS[kind] = _encoder_for(kind)
    return encoder(value)


def _encoder_for(kind: type[Any]) -> Encoder:
    if kind is type(None) or issubclass(kind, str | int | float | bool):
        return _as_is  # a str enum is a str: JSON writes its value
    if dataclasses.is_dataclass(kind):
        return _dataclass_encoder(kind)
    if issubclass(kind, tuple | list):
        return _encode_items
    if issubclass(kind, dict):
        return _encode_mapping
    return _enum_value


def _dataclass_encoder(kind: type[Any]) -> Encoder:
    tag = kind.__name__
    names = tuple(f.name for f in dataclasses.fields(kind) if f.metadata != module.LOCAL_ONLY)

    def encode_fields(value: Any) -> dict[str, Any]:
        data: dict[str, Any] = {_KIND: tag}
        for name in names:
            item = getattr(value, name)
            data[name] = item if type(item) in _PLAIN else encode(item)
        return data

    return encode_fields


_PLAIN = frozenset({str, int, float, bool, type(None)})


def _as_is(value: Any) -> Any:
    return value


def _encode_items(value: Sequence[Any]) -> list[Any]:
    return [item if type(item) in _PLAIN else encode(item) for item in value]


def _encode_mapping(value: Mapping[Any, Any]) -> dict[str, Any]:
    return {str(key): encode(item) for key, item in value.items()}


def _enum_value(value: Any) -> Any:
    return value.value if hasattr(value, "value") else value


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
