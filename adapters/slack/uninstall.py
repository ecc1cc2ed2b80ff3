"""`app_uninstalled` and `tokens_revoked`: the installation goes, and every send with it.

Removing the installation drops the community's undelivered outbox rows and cancels its
pending follow-ups (one transaction, one log line with the counts); the community's posts
stay, under the retention setting. Deliveries already under way find no workspace and are
given up as `not_installed`.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

from adapters.slack.installation_store import community_of
from bot.api import Clock, Installations


class Uninstalls:
    def __init__(self, installations: Installations, clock: Clock) -> None:
        self._installations = installations
        self._clock = clock

    def register(self, app: AsyncApp) -> None:
        app.event("app_uninstalled")(self.on_uninstalled)
        app.event("tokens_revoked")(self.on_tokens_revoked)

    async def on_uninstalled(self, context: AsyncBoltContext) -> None:
        await self._remove(context)

    async def on_tokens_revoked(self, event: dict[str, Any], context: AsyncBoltContext) -> None:
        """Only the bot's token matters: Rebound keeps no user tokens."""
        if (event.get("tokens") or {}).get("bot"):
            await self._remove(context)

    async def _remove(self, context: AsyncBoltContext) -> None:
        community = community_of(
            context.enterprise_id, context.team_id, context.is_enterprise_install
        )
        await self._installations.remove(community, self._clock.now())
