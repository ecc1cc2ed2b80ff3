"""A community's settings as its manager sets them in the chat: stored per community,
every change audited (who, when, each field's old and new value).

The core's `CommunitySettings` live in `community.settings`; settings only an adapter reads
(a Slack moderators' user group, a Discord moderators' role) sit beside them in the same
JSON under `platform`, and `set_up_at` says the community finished setting up.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.model import CommunitySettings
from bot.store.repo import Store
from bot.store.statements import COMMUNITY
from bot.store.tables import CommunitySettingChangeRow

SETTING_CHANGE = CommunitySettingChangeRow
PLATFORM_KEY = "platform"
SET_UP_KEY = "set_up_at"


@dataclass(frozen=True)
class CommunitySetup:
    settings: CommunitySettings
    platform: dict[str, str] = field(default_factory=dict)
    set_up_at: str | None = None

    @property
    def set_up(self) -> bool:
        return self.set_up_at is not None

    def as_json(self) -> dict[str, Any]:
        return {
            **asdict(self.settings),
            PLATFORM_KEY: dict(self.platform),
            SET_UP_KEY: self.set_up_at,
        }


def _setup(values: dict[str, Any]) -> CommunitySetup:
    known = CommunitySettings.__dataclass_fields__
    return CommunitySetup(
        settings=CommunitySettings(**{k: v for k, v in values.items() if k in known}),
        platform={str(k): str(v) for k, v in (values.get(PLATFORM_KEY) or {}).items()},
        set_up_at=values.get(SET_UP_KEY),
    )


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Each field whose value changed, as [old, new]."""
    return {
        name: [before.get(name), value]
        for name, value in after.items()
        if before.get(name) != value and name != SET_UP_KEY
    }


class CommunitySettingsRepo:
    def __init__(self, connection: AsyncConnection) -> None:
        self._db = connection

    async def find(self, community_id: str) -> CommunitySetup | None:
        statement = select(COMMUNITY.c.settings).where(COMMUNITY.c.id == community_id)
        values = (await self._db.execute(statement)).scalar_one_or_none()
        return None if values is None else _setup(values)

    async def save(
        self, community_id: str, setup: CommunitySetup, changed_by: str, now: datetime
    ) -> dict[str, Any]:
        """Store `setup` (the community must exist) and audit what changed; the changes."""
        statement = (
            select(COMMUNITY.c.settings).where(COMMUNITY.c.id == community_id).with_for_update()
        )
        before = (await self._db.execute(statement)).scalar_one()
        after = setup.as_json()
        changed = changes(before, after)
        await self._db.execute(
            update(COMMUNITY).where(COMMUNITY.c.id == community_id).values(settings=after)
        )
        if changed:
            await self._db.execute(
                SETTING_CHANGE.insert().values(
                    community_id=community_id,
                    changed_by=changed_by,
                    changed_at=now,
                    changes=changed,
                )
            )
        return changed

    async def history(self, community_id: str) -> list[dict[str, Any]]:
        statement = (
            select(SETTING_CHANGE.c.changed_by, SETTING_CHANGE.c.changes)
            .where(SETTING_CHANGE.c.community_id == community_id)
            .order_by(SETTING_CHANGE.c.id)
        )
        return [dict(row._mapping) for row in (await self._db.execute(statement)).all()]


class CommunitySettingsStore:
    """Transactions over `CommunitySettingsRepo`, for adapters."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def find(self, community_id: str) -> CommunitySetup | None:
        async with self._store.engine.begin() as connection:
            return await CommunitySettingsRepo(connection).find(community_id)

    async def save(
        self, community_id: str, setup: CommunitySetup, changed_by: str, now: datetime
    ) -> dict[str, Any]:
        async with self._store.engine.begin() as connection:
            return await CommunitySettingsRepo(connection).save(
                community_id, setup, changed_by, now
            )

    async def history(self, community_id: str) -> list[dict[str, Any]]:
        async with self._store.engine.begin() as connection:
            return await CommunitySettingsRepo(connection).history(community_id)
