"""Communities and the inbound events already applied (idempotent inbound)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from sqlalchemy import select, update

from bot.domain.model import CommunitySettings
from bot.store.repo_base import RepoBase
from bot.store.statements import COMMUNITY, PROCESSED


class CommunityRepo(RepoBase):
    """Communities' settings, and which inbound events were applied."""

    # --- inbound deliveries ---------------------------------------------------------------

    async def claim_event(self, community_id: str, event_id: str, now: datetime) -> bool:
        """Record a delivery; False when it was already applied (a redelivery)."""
        params = {"community_id": community_id, "event_id": event_id, "received_at": now}
        return (await self._db.execute(self._hot.claim_event, params)).rowcount == 1

    async def event_seen(self, community_id: str, event_id: str) -> bool:
        """Whether a delivery was already applied (read only)."""
        statement = select(PROCESSED.c.event_id).where(
            PROCESSED.c.community_id == community_id, PROCESSED.c.event_id == event_id
        )
        return (await self._db.execute(statement)).first() is not None

    # --- communities ----------------------------------------------------------------------

    async def ensure_community(
        self, community_id: str, platform: str, settings: CommunitySettings, now: datetime
    ) -> None:
        statement = (
            self._insert(COMMUNITY)
            .values(id=community_id, platform=platform, settings=asdict(settings), created_at=now)
            .on_conflict_do_nothing()
        )
        await self._db.execute(statement)

    async def community(self, community_id: str) -> tuple[str, CommunitySettings] | None:
        row = (
            await self._db.execute(
                select(COMMUNITY.c.platform, COMMUNITY.c.settings).where(
                    COMMUNITY.c.id == community_id
                )
            )
        ).first()
        if row is None:
            return None
        known = CommunitySettings.__dataclass_fields__
        values = {k: v for k, v in row.settings.items() if k in known}
        return row.platform, CommunitySettings(**values)

    async def update_settings(self, community_id: str, settings: CommunitySettings) -> None:
        await self._db.execute(
            update(COMMUNITY)
            .where(COMMUNITY.c.id == community_id)
            .values(settings=asdict(settings))
        )
