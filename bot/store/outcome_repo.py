"""Outcome updates: the one update a poster shares about their post."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, select, update

from bot.domain.model import OutcomeEvent, OutcomeReport, OutcomeResult, Post
from bot.store.prepared import prepared
from bot.store.records import outcome_values
from bot.store.repo_base import RepoBase
from bot.store.statements import OUTCOME

_WITH_OUTCOME = prepared(
    select(OUTCOME.c.setback_id)
    .distinct()
    .where(
        OUTCOME.c.community_id == bindparam("b_community"),
        OUTCOME.c.setback_id.in_(bindparam("b_ids", expanding=True)),
    )
)


class OutcomeRepo(RepoBase):
    """Outcome updates of posts."""

    # --- outcomes -------------------------------------------------------------------------

    async def add_outcome(self, post: Post, report: OutcomeReport, now: datetime) -> int | None:
        """Record the post's one update; None if it has one already (the unique key says)."""
        statement = self._insert(OUTCOME).values(
            {
                **outcome_values(report),
                "community_id": post.community_id,
                "setback_id": post.id,
                "created_at": now,
            }
        )
        result = await self._db.execute(statement.on_conflict_do_nothing().returning(OUTCOME.c.id))
        row_id = result.scalar()
        if row_id is None:
            return None
        await self.rollups.outcome_added(post, report, now)
        return int(row_id)

    async def outcome(self, community_id: str, setback_id: int) -> OutcomeReport | None:
        """The post's update as shared (without the template uses it confirmed)."""
        row = (
            (
                await self._db.execute(
                    select(OUTCOME).where(
                        OUTCOME.c.community_id == community_id, OUTCOME.c.setback_id == setback_id
                    )
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        return OutcomeReport(
            result=OutcomeResult(row["result"]),
            events=tuple(OutcomeEvent(event) for event in row["events"]),
            acted_on_reply_ids=tuple(row["acted_on"]),
            note=row["note"],
        )

    async def change_outcome(self, post: Post, report: OutcomeReport, now: datetime) -> None:
        """The poster changed their update on purpose."""
        await self.rollups.outcome_changing(post, report, now)
        await self._db.execute(
            update(OUTCOME)
            .where(
                OUTCOME.c.community_id == post.community_id,
                OUTCOME.c.setback_id == post.id,
            )
            .values({**outcome_values(report), "changed_at": now})
        )

    async def has_outcome(self, community_id: str, setback_id: int) -> bool:
        return setback_id in await self.with_outcome(community_id, [setback_id])

    async def with_outcome(self, community_id: str, setback_ids: Iterable[int]) -> set[int]:
        """Which of these posts have an outcome update."""
        params = {"b_community": community_id, "b_ids": list(setback_ids)}
        rows = await self._db.execute(_WITH_OUTCOME, params)
        return set(rows.scalars())
