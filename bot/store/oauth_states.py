"""One-use OAuth `state` values (Slack's install flow, the web page's sign-in): issued with
an expiry, consumed once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.tables import OAuthStateRow

OAUTH_STATE = OAuthStateRow


class OAuthStates:
    """Mixed into a repository of one transaction (its `_db`)."""

    _db: AsyncConnection

    async def issue_state(self, state: str, expires_at: datetime, now: datetime) -> None:
        await self._db.execute(delete(OAUTH_STATE).where(OAUTH_STATE.c.expires_at < now))
        await self._db.execute(OAUTH_STATE.insert().values(state=state, expires_at=expires_at))

    async def consume_state(self, state: str, now: datetime) -> bool:
        """True once for a state issued and not expired; never again."""
        used = await self._db.execute(
            delete(OAUTH_STATE)
            .where(OAUTH_STATE.c.state == state)
            .returning(OAUTH_STATE.c.expires_at)
        )
        expires_at = used.scalar_one_or_none()
        return expires_at is not None and expires_at > now
