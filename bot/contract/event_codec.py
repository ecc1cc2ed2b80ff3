"""Inbound events to JSON and back, so an event can be stored before it is decided."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from bot.contract import events as module
from bot.contract.events import InboundEvent
from bot.domain.model import Member

_TYPES: dict[str, type[InboundEvent]] = {
    name: value
    for name, value in vars(module).items()
    if isinstance(value, type) and issubclass(value, InboundEvent) and value is not InboundEvent
}
_KIND = "__type__"


def encode_event(event: InboundEvent) -> dict[str, Any]:
    """A JSON-ready form of `event`, tagged with its type."""
    return {_KIND: type(event).__name__, **asdict(event)}


def decode_event(data: dict[str, Any]) -> InboundEvent:
    """The inverse of `encode_event` (a form's list answers come back as lists)."""
    values = {key: value for key, value in data.items() if key != _KIND}
    values["actor"] = Member(**values["actor"])
    return _TYPES[data[_KIND]](**values)
