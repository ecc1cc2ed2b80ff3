"""The ports the core depends on; adapters and the store provide them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.intents import Intent


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


class DeliveryFailed(Exception):
    """The platform refused or failed to take a message; the caller may retry later."""


class Outbox(Protocol):
    """Delivers intents to one community's platform."""

    capabilities: Capabilities

    async def deliver(self, intent: Intent) -> str | None:
        """Carry out `intent`; return the platform's id for a message it created, if any."""
        ...
