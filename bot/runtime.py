"""The running core: handles inbound events, delivers intents, and fires due follow-ups."""

from __future__ import annotations

from collections.abc import Callable

from bot.domain.model import CommunitySettings
from bot.events import InboundEvent
from bot.intents import Intent
from bot.ports import Clock, Outbox

OutboxFor = Callable[[str], Outbox | None]
"""Finds the outbox of a community id, or None where this process does not serve it."""


class Rebound:
    """One core instance; several communities and adapters may share it."""

    clock: Clock

    async def ensure_community(
        self, community_id: str, platform: str, settings: CommunitySettings
    ) -> None:
        """Create the community with `settings` if new; an existing one keeps its own."""
        raise NotImplementedError

    async def handle(self, event: InboundEvent, outbox: Outbox) -> list[Intent]:
        """Apply `event` once (redeliveries are no-ops) and deliver what it caused."""
        raise NotImplementedError

    async def tick(self, outbox_for: OutboxFor, platforms: frozenset[str]) -> int:
        """Fire due follow-ups of communities on `platforms`; return how many fired."""
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError
