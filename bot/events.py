"""Inbound events: what adapters hand to the core, as plain frozen values.

Every event names its community, carries the platform's delivery or message id
(`event_id`, the key that makes redelivery a no-op) and the acting member.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.domain.model import Member


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
