"""Inbound events: what adapters hand to the core, as plain frozen values.

Every event names its community, carries the platform's delivery or message id
(`event_id`, the key that makes redelivery a no-op) and the acting member.
`normalised` is the core's edge: every text in an event, as Rebound stores it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any, TypeVar

from bot.domain.member_text import normalise
from bot.domain.model import Member

_Event = TypeVar("_Event", bound="InboundEvent")


@dataclass(frozen=True, kw_only=True)
class InboundEvent:
    community_id: str
    event_id: str
    actor: Member


@dataclass(frozen=True, kw_only=True)
class CommandInvoked(InboundEvent):
    """A slash command such as `/setback`; `text` is what followed it."""

    command: str
    text: str = ""


@dataclass(frozen=True, kw_only=True)
class FormSubmitted(InboundEvent):
    """A form the core asked for came back; values are keyed by field name."""

    form_id: str
    values: Mapping[str, str | Sequence[str]]


@dataclass(frozen=True, kw_only=True)
class MessagePosted(InboundEvent):
    """A member's message in a channel, top-level or inside a thread."""

    channel_id: str
    message_ref: str
    text: str
    thread_ref: str | None = None


@dataclass(frozen=True, kw_only=True)
class MessageEdited(InboundEvent):
    """A member changed their message; `thread_ref` names its thread when it is a reply."""

    message_ref: str
    text: str
    thread_ref: str | None = None


@dataclass(frozen=True, kw_only=True)
class MessageDeleted(InboundEvent):
    """A message was deleted (`thread_ref`: its thread, when it is a reply), or a whole
    thread (`thread_gone`, with `message_ref` the thread's own ref: nothing can be posted
    in it any more)."""

    message_ref: str
    thread_ref: str | None = None
    thread_gone: bool = False


@dataclass(frozen=True, kw_only=True)
class DirectMessageReceived(InboundEvent):
    """A private message to the bot (how an anonymous poster speaks in their thread)."""

    text: str


@dataclass(frozen=True, kw_only=True)
class ReactionAdded(InboundEvent):
    message_ref: str
    emoji: str


@dataclass(frozen=True, kw_only=True)
class ReactionRemoved(InboundEvent):
    message_ref: str
    emoji: str


@dataclass(frozen=True, kw_only=True)
class ButtonPressed(InboundEvent):
    """A button; `action_id` is the self-describing id the core gave it (`rb:verb:args`)."""

    action_id: str


@dataclass(frozen=True, kw_only=True)
class MessageActionInvoked(InboundEvent):
    """A message shortcut or context-menu action (`mark_best`, `unmark_best`) on a message."""

    action: str
    message_ref: str


def normalised(event: _Event) -> _Event:
    """`event` with every text it carries (message, form values, command text, display
    name, ids) normalised by `member_text.normalise`, so any of it can be stored."""
    changes: dict[str, Any] = {}
    for name in _field_names(type(event)):
        value = getattr(event, name)
        changed = _normalised(value)
        if changed is not value:
            changes[name] = changed
    # Most events need nothing changed: they are not copied.
    return replace(event, **changes) if changes else event


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(kind: type) -> tuple[str, ...]:
    """A kind of event's fields (a handful of kinds: looked up once each)."""
    found = _FIELD_NAMES.get(kind)
    if found is None:
        found = _FIELD_NAMES[kind] = tuple(f.name for f in fields(kind))
    return found


def _normalised(value: object) -> object:
    if isinstance(value, str):
        return normalise(value)
    if isinstance(value, Member):
        name = normalise(value.display_name)
        return value if name is value.display_name else replace(value, display_name=name)
    if isinstance(value, Mapping):
        items = [(k, v, normalise(str(k)), _normalised(v)) for k, v in value.items()]
        if all(key is new_key and v is new_v for key, v, new_key, new_v in items):
            return value  # nothing changed: the same mapping, so the event is not copied
        return {new_key: new_v for _, _, new_key, new_v in items}
    if isinstance(value, list | tuple):
        return type(value)(_normalised(item) for item in value)
    return value


def written_text(event: InboundEvent) -> str:
    """What the member wrote in `event` (a message, or a form's text answers), if anything."""
    if isinstance(event, MessagePosted | MessageEdited | DirectMessageReceived):
        return event.text.strip()
    if isinstance(event, FormSubmitted):
        answers = (v.strip() for v in event.values.values() if isinstance(v, str))
        return "\n\n".join(answer for answer in answers if answer)
    return ""
