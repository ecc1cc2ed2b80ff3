"""Installations and OAuth states: the only SQL about who installed Rebound where.

Tokens go in sealed and come out opened (`SecretBox`); nothing else in the store sees
them. Removing an installation also stops every send to its community: its undelivered
outbox rows are dropped and its pending follow-ups cancelled, in the same transaction.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, Table, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.model import CommunitySettings
from bot.store.oauth_states import OAuthStates
from bot.store.repo import Store
from bot.store.secrets import SecretBox
from bot.store.statements import COMMUNITY, FOLLOW_UP, OUTBOUND, insert_for
from bot.store.tables import InstallationRow

log = logging.getLogger(__name__)

INSTALLATION = InstallationRow
NOT_SET_UP = CommunitySettings(support_channel="")
"""A community created by an installation: no channel until its manager sets it up."""


@dataclass(frozen=True)
class Installation:
    """One installation, tokens in the clear (only ever in memory)."""

    community_id: str
    bot_id: str
    bot_user_id: str
    bot_token: str
    installed_at: datetime
    bot_scopes: str = ""
    enterprise_id: str | None = None
    team_id: str | None = None
    app_id: str | None = None
    bot_refresh_token: str | None = None
    bot_token_expires_at: datetime | None = None
    installer_user_id: str | None = None
    is_enterprise_install: bool = False
    revision: int = 0


@dataclass(frozen=True)
class Stopped:
    """What removing an installation stopped."""

    removed: bool
    outbound_dropped: int
    follow_ups_cancelled: int


async def stop_sending(db: AsyncConnection, community_id: str, now: datetime) -> tuple[int, int]:
    """Drop the community's undelivered outbox rows and cancel its pending follow-ups:
    (rows dropped, follow-ups cancelled). Rebound can no longer reach it."""
    pending = (OUTBOUND.c.delivered_at.is_(None), OUTBOUND.c.gave_up_at.is_(None))
    dropped = await db.execute(
        delete(OUTBOUND).where(OUTBOUND.c.community_id == community_id, *pending)
    )
    cancelled = await db.execute(
        update(FOLLOW_UP)
        .where(FOLLOW_UP.c.community_id == community_id, FOLLOW_UP.c.done_at.is_(None))
        .values(done_at=now, lease_owner=None, lease_until=None)
    )
    return dropped.rowcount, cancelled.rowcount


async def left_community(store: Store, community_id: str, now: datetime) -> Stopped:
    """Rebound was removed from a community that keeps no installation row (a Discord
    server): stop every send to it, with one log line."""
    async with store.engine.begin() as connection:
        dropped, cancelled = await stop_sending(connection, community_id, now)
    stopped = Stopped(True, dropped, cancelled)
    _log_removal(community_id, stopped)
    return stopped


def _log_removal(community_id: str, stopped: Stopped) -> None:
    log.info(
        "installation removed from %s: %d undelivered outbox rows dropped, %d follow-ups cancelled",
        community_id,
        stopped.outbound_dropped,
        stopped.follow_ups_cancelled,
    )


class InstallationRepo(OAuthStates):
    def __init__(self, connection: AsyncConnection, box: SecretBox) -> None:
        self._db = connection
        self._box = box

    def _insert(self, target: Table) -> Any:
        return insert_for(self._db.dialect.name)(target)

    async def save(self, installation: Installation, platform: str) -> int:
        """Store (or replace) the community's installation; its new revision."""
        community = self._insert(COMMUNITY).values(
            id=installation.community_id,
            platform=platform,
            settings=asdict(NOT_SET_UP),
            created_at=installation.installed_at,
        )
        await self._db.execute(community.on_conflict_do_nothing())
        values = asdict(installation)
        values.pop("revision")
        values["bot_token"] = self._box.seal(installation.bot_token)
        if installation.bot_refresh_token is not None:
            values["bot_refresh_token"] = self._box.seal(installation.bot_refresh_token)
        statement = self._insert(INSTALLATION).values(**values, revision=1)
        changed = {k: statement.excluded[k] for k in values if k != "community_id"}
        statement = statement.on_conflict_do_update(
            index_elements=[INSTALLATION.c.community_id],
            set_={**changed, "revision": INSTALLATION.c.revision + 1},
        ).returning(INSTALLATION.c.revision)
        return int((await self._db.execute(statement)).scalar_one())

    async def find(self, community_id: str) -> Installation | None:
        row = (
            (
                await self._db.execute(
                    select(INSTALLATION).where(INSTALLATION.c.community_id == community_id)
                )
            )
            .mappings()
            .first()
        )
        return None if row is None else self._opened(row)

    async def revision(self, community_id: str) -> int | None:
        """The installation's revision (cheap: no secret is opened), None when removed."""
        statement = select(INSTALLATION.c.revision).where(
            INSTALLATION.c.community_id == community_id
        )
        found = (await self._db.execute(statement)).scalar_one_or_none()
        return None if found is None else int(found)

    async def community_ids(self, platform_prefix: str) -> list[str]:
        statement = select(INSTALLATION.c.community_id).where(
            INSTALLATION.c.community_id.startswith(platform_prefix)
        )
        return list((await self._db.execute(statement)).scalars())

    async def scopes(self) -> dict[str, str]:
        """Each installation's granted bot scopes, by community (no secret is opened)."""
        statement = select(INSTALLATION.c.community_id, INSTALLATION.c.bot_scopes)
        return {row.community_id: row.bot_scopes for row in await self._db.execute(statement)}

    def _opened(self, row: RowMapping) -> Installation:
        refresh = row["bot_refresh_token"]
        return Installation(
            community_id=row["community_id"],
            bot_id=row["bot_id"],
            bot_user_id=row["bot_user_id"],
            bot_token=self._box.open(row["bot_token"]),
            installed_at=row["installed_at"],
            bot_scopes=row["bot_scopes"],
            enterprise_id=row["enterprise_id"],
            team_id=row["team_id"],
            app_id=row["app_id"],
            bot_refresh_token=None if refresh is None else self._box.open(refresh),
            bot_token_expires_at=row["bot_token_expires_at"],
            installer_user_id=row["installer_user_id"],
            is_enterprise_install=row["is_enterprise_install"],
            revision=row["revision"],
        )

    async def remove(self, community_id: str, now: datetime) -> Stopped:
        """Forget the installation and stop every send to its community (the community's
        posts stay, under the retention setting)."""
        removed = await self._db.execute(
            delete(INSTALLATION).where(INSTALLATION.c.community_id == community_id)
        )
        dropped, cancelled = await stop_sending(self._db, community_id, now)
        return Stopped(removed.rowcount > 0, dropped, cancelled)

    async def reseal_all(self) -> int:
        """Every stored token under the newest key; how many installations were resealed."""
        rows = (await self._db.execute(select(INSTALLATION))).mappings().all()
        for row in rows:
            refresh = row["bot_refresh_token"]
            await self._db.execute(
                update(INSTALLATION)
                .where(INSTALLATION.c.community_id == row["community_id"])
                .values(
                    bot_token=self._box.reseal(row["bot_token"]),
                    bot_refresh_token=None if refresh is None else self._box.reseal(refresh),
                    revision=INSTALLATION.c.revision + 1,
                )
            )
        return len(rows)

    async def count(self) -> int:
        return int(
            (await self._db.execute(select(func.count()).select_from(INSTALLATION))).scalar_one()
        )


class Installations:
    """Transactions over `InstallationRepo`, for adapters."""

    def __init__(self, store: Store, box: SecretBox) -> None:
        self._store = store
        self.box = box

    def _repo(self, connection: AsyncConnection) -> InstallationRepo:
        return InstallationRepo(connection, self.box)

    async def save(self, installation: Installation, platform: str) -> Installation:
        async with self._store.engine.begin() as connection:
            revision = await self._repo(connection).save(installation, platform)
        return replace(installation, revision=revision)

    async def find(self, community_id: str) -> Installation | None:
        async with self._store.engine.begin() as connection:
            return await self._repo(connection).find(community_id)

    async def revision(self, community_id: str) -> int | None:
        async with self._store.engine.begin() as connection:
            return await self._repo(connection).revision(community_id)

    async def scopes(self) -> dict[str, str]:
        async with self._store.engine.begin() as connection:
            return await self._repo(connection).scopes()

    async def community_ids(self, platform: str) -> list[str]:
        """Every community installed on `platform`."""
        async with self._store.engine.begin() as connection:
            return await self._repo(connection).community_ids(f"{platform}:")

    async def remove(self, community_id: str, now: datetime) -> Stopped:
        async with self._store.engine.begin() as connection:
            stopped = await self._repo(connection).remove(community_id, now)
        if stopped.removed or stopped.outbound_dropped or stopped.follow_ups_cancelled:
            _log_removal(community_id, stopped)
        return stopped

    async def reseal_all(self) -> int:
        async with self._store.engine.begin() as connection:
            return await self._repo(connection).reseal_all()

    async def issue_state(self, state: str, expires_at: datetime, now: datetime) -> None:
        async with self._store.engine.begin() as connection:
            await self._repo(connection).issue_state(state, expires_at, now)

    async def consume_state(self, state: str, now: datetime) -> bool:
        async with self._store.engine.begin() as connection:
            return await self._repo(connection).consume_state(state, now)
