"""The weekly digest's rows: which weeks were sent, and what a week held."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, exists, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.prepared import prepared
from bot.store.statements import COMMUNITY, OUTCOME, REPLY, SETBACK
from bot.store.tables import DigestSentRow, FeaturedAnswerRow

DIGEST_SENT = DigestSentRow
_FEATURED = FeaturedAnswerRow
_COMMUNITIES_ON = prepared(
    select(COMMUNITY.c.id, COMMUNITY.c.created_at)
    .where(COMMUNITY.c.platform.in_(bindparam("b_platforms", expanding=True)))
    .order_by(COMMUNITY.c.id)
)


@dataclass(frozen=True)
class WeekCounts:
    new: int
    unanswered: int
    outcomes: int


class DigestRepo:
    def __init__(self, connection: AsyncConnection, insert: Any) -> None:
        self._db = connection
        self._insert = insert

    async def communities(self, platforms: Sequence[str]) -> list[tuple[str, datetime]]:
        """Communities on `platforms`, with when each was created."""
        rows = await self._db.execute(_COMMUNITIES_ON, {"b_platforms": list(platforms)})
        return [(community_id, created) for community_id, created in rows.all()]

    async def claim(self, community_id: str, week: str, now: datetime) -> bool:
        """Record that `week`'s digest is sent; False when another worker (or an earlier
        tick) already did. Kept with the outbox rows in one transaction."""
        statement = (
            self._insert(DIGEST_SENT)
            .values(community_id=community_id, week=week, sent_at=now)
            .on_conflict_do_nothing()
        )
        return bool((await self._db.execute(statement)).rowcount)

    async def counts(self, community_id: str, since: datetime, until: datetime) -> WeekCounts:
        new_posts = [
            SETBACK.c.community_id == community_id,
            SETBACK.c.created_at >= since,
            SETBACK.c.created_at < until,
            SETBACK.c.withdrawn_at.is_(None),
        ]
        helped = exists(
            select(REPLY.c.id).where(
                REPLY.c.setback_id == SETBACK.c.id,
                REPLY.c.by_poster.is_(False),
                REPLY.c.deleted.is_(False),
            )
        )
        count = select(func.count()).select_from(SETBACK)
        new = (await self._db.execute(count.where(*new_posts))).scalar_one()
        unanswered = (await self._db.execute(count.where(*new_posts, ~helped))).scalar_one()
        outcomes = (
            await self._db.execute(
                select(func.count()).where(
                    OUTCOME.c.community_id == community_id,
                    OUTCOME.c.created_at >= since,
                    OUTCOME.c.created_at < until,
                )
            )
        ).scalar_one()
        return WeekCounts(int(new), int(unanswered), int(outcomes))

    async def featured_between(
        self, community_id: str, since: datetime, until: datetime
    ) -> list[int]:
        """Ids of answers moderators featured in the week (not best answers alone), oldest
        first."""
        rows = await self._db.execute(
            select(_FEATURED.c.id)
            .where(
                _FEATURED.c.community_id == community_id,
                _FEATURED.c.featured_at >= since,
                _FEATURED.c.featured_at < until,
                _FEATURED.c.featured.is_(True),
            )
            .order_by(_FEATURED.c.id)
        )
        return list(rows.scalars())
