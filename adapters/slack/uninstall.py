"""`app_uninstalled` and `tokens_revoked`: the installation goes, and every send with it.

Installed by OAuth, removing the installation drops the community's undelivered outbox rows
and cancels its pending follow-ups (one transaction, one log line with the counts);
deliveries already under way find no workspace and are given up as `not_installed`. With
one workspace from the environment there is no installation row: the same sends stop, and
the workspace is no longer served until the process starts again (with a new token). Either
way the community's posts stay, under the retention setting.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

from adapters.slack.installation_store import community_of

Remove = Callable[[str], Awaitable[object]]


class Uninstalls:
    def __init__(self, remove: Remove) -> None:
        self._remove_community = remove

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
        await self._remove_community(community)
