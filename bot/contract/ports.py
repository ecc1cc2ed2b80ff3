"""The ports the core depends on; adapters and the store provide them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from bot.contract.intents import Form, Intent


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


@dataclass(frozen=True, kw_only=True)
class Capabilities:
    """What a platform can show; the core lowers richer intents where one is missing."""

    threads: bool = True
    forms: bool = True
    buttons: bool = True
    reactions: bool = True
    ephemeral: bool = True
    direct_messages: bool = True
    tags: bool = False
    closes_threads: bool = True
    """Threads can be locked against new replies (Slack's cannot)."""
    named_threads: bool = False
    """Threads have a name of their own, apart from their first message (Discord's do)."""


class FailureKind(StrEnum):
    TRANSIENT = "transient"
    """Worth another try later: rate limits, outages, timeouts."""
    PERMANENT = "permanent"
    """Trying again cannot help (the channel is gone, the bot was removed): give up now."""


class DeliveryFailed(Exception):
    """The platform refused or failed to take a message.

    `code` is the platform's own error code (never its message, which can quote what was
    sent). `answered` says the platform answered with a refusal, so nothing was made; when
    False (a timeout, a 5xx, a dropped connection) the message may exist all the same.
    """

    def __init__(
        self,
        code: str,
        kind: FailureKind = FailureKind.TRANSIENT,
        *,
        answered: bool = True,
    ) -> None:
        super().__init__(f"{kind} {code}")
        self.code = code
        self.kind = kind
        self.answered = answered


class Unsupported(DeliveryFailed):
    """The outbox cannot carry this kind of intent at all (a gap in the adapter, not a
    platform refusal): raised, never passed over in silence, and never retried."""

    def __init__(self, intent: Intent) -> None:
        super().__init__(f"unsupported:{type(intent).__name__}", FailureKind.PERMANENT)


class FormTooLate(DeliveryFailed):
    """A form could not be shown now: the platform's trigger for it expired, or the
    interaction was already answered. The core offers `form` behind a button instead (one
    rule for every platform: bot/common/form_offers.py); the adapter may have filled in
    what the member already chose (`form` may differ from the intent's)."""

    def __init__(self, form: Form) -> None:
        super().__init__("form_too_late", FailureKind.TRANSIENT)
        self.form = form


@dataclass(frozen=True)
class Delivered:
    """What the platform made for an intent: the message's ref, and the thread's when the
    intent started one (a platform may give a thread an id of its own)."""

    message_ref: str
    thread_ref: str | None = None


async def _nothing_to_record(_piece: int, _ref: str) -> None:
    return None


@dataclass(frozen=True)
class Attempt:
    """One try at delivering an outbox row: what the adapter needs to make it exactly once.

    `key` names the row on the platform (Slack message metadata, a Discord nonce), so a
    retry can find what an interrupted try made. `maybe_sent_since` is set when an earlier
    try may have reached the platform (it was cut short); the adapter looks for its result,
    made after that time, before making anything. `pieces` holds the refs of the pieces of a
    long message already confirmed (piece number -> ref); `record_piece` stores one the
    moment the platform confirms it, so only missing pieces are ever sent again (the last
    piece needs none: the row itself is recorded delivered right after it).
    """

    key: str
    maybe_sent_since: datetime | None = None
    started_at: datetime | None = None  # by the core's clock
    pieces: Mapping[int, str] = field(default_factory=dict)
    record_piece: Callable[[int, str], Awaitable[None]] = _nothing_to_record


class Outbox(Protocol):
    """Delivers intents to one community's platform."""

    capabilities: Capabilities

    async def deliver(self, intent: Intent, attempt: Attempt | None = None) -> Delivered | None:
        """Carry out `intent`; return what the platform made, if it made a message.

        `attempt` comes with intents stored in the outbox (None for request-bound ones).
        Raises `DeliveryFailed` for what the platform would not take, and `Unsupported`
        for an intent this outbox cannot carry.
        """
        ...
