"""Inbound events to JSON and back, so an event can be stored before it is decided."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from bot.contract import events as module
from bot.contract.events import InboundEvent
from bot.domain.model import Member

_TYPES: dict[str, type[InboundEvent]] = {
    name: value
    for name, value in vars(module).items()
    if isinstance(value, type) and issubclass(value, InboundEvent) and value is not InboundEvent
}
_FIELDS = {kind: tuple(f.name for f in fields(kind)) for kind in _TYPES.values()}
_KIND = "__type__"


def encode_event(event: InboundEvent) -> dict[str, Any]:
    """A JSON-ready form of `event`, tagged with its type (on the way to an ack: no deep
    copy, which `dataclasses.asdict` would make)."""
    kind = type(event)
    data: dict[str, Any] = {_KIND: kind.__name__}
    for name in _FIELDS[kind]:
        data[name] = getattr(event, name)
    actor = event.actor
    data["actor"] = {
        "user_id": actor.user_id,
        "display_name": actor.display_name,
        "is_moderator": actor.is_moderator,
    }
    return data


def decode_event(data: dict[str, Any]) -> InboundEvent:
    """The inverse of `encode_event` (a form's list answers come back as lists)."""
    values = {key: value for key, value in data.items() if key != _KIND}
    values["actor"] = Member(**values["actor"])
    return _TYPES[data[_KIND]](**values)
