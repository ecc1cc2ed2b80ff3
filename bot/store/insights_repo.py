"""Read-only queries behind the moderators' web page (issue 13): the outcome rollups, the
library as it stands, the queue, the audit log with filters. Every query is scoped to one
community; every name a query returns for a poster is their pseudonym when they posted
anonymously."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.audit_repo import AUDIT
from bot.store.care_repo import CARE_PAUSE
from bot.store.library_repo import FEATURED, HIDDEN
from bot.store.oauth_states import OAuthStates
from bot.store.rollup_repo import (
    ACTED_ROLLUP,
    OUTCOME_ROLLUP,
    POSTS_BUCKET,
    REPLY_TIME_ROLLUP,
    RESULTS,
)
from bot.store.statements import COMMUNITY, REPLY, SETBACK


@dataclass(frozen=True)
class Counts:
    """Outcomes by result for one bucket (a month, a stage, a helper...)."""

    key: str
    label: str
    by_result: tuple[int, ...]  # in the order of RESULTS

    @property
    def total(self) -> int:
        return sum(self.by_result)


@dataclass(frozen=True)
class ReplyTimes:
    posts: int
    # (bucket lower bound in minutes, first replies in it), ascending.
    waits: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class FeaturedItem:
    reply_id: int
    setback_id: int
    topic: str
    summary: str
    title: str
    helper: str
    reply_text: str
    featured_at: datetime


@dataclass(frozen=True)
class Candidate:
    """A best answer not in the library yet."""

    reply_id: int
    setback_id: int
    title: str
    helper: str
    reply_text: str
    marked_at: datetime


@dataclass(frozen=True)
class QueueItem:
    setback_id: int
    title: str
    poster: str
    stage: str | None
    kind: str | None
    created_at: datetime
    channel_id: str
    thread_ref: str | None
    paused_at: datetime | None = None


@dataclass(frozen=True)
class AuditRow:
    id: int
    created_at: datetime
    actor_id: str
    actor_name: str
    action: str
    setback_id: int | None
    title: str | None
    reason: str


def shown_poster() -> ColumnElement[Any]:
    """The poster's name as others may see it: the pseudonym of an anonymous post."""
    return case((SETBACK.c.anonymous, SETBACK.c.pseudonym), else_=SETBACK.c.poster_name)


def _shown_helper() -> ColumnElement[Any]:
    """A reply's author as others may see it: the anonymous poster's own replies are theirs
    under the pseudonym (relayed ones are stored under it already)."""
    mine = or_(REPLY.c.by_poster, REPLY.c.relayed)
    return case((and_(SETBACK.c.anonymous, mine), SETBACK.c.pseudonym), else_=REPLY.c.author_name)


def _visible_reply() -> list[ColumnElement[bool]]:
    hidden = select(HIDDEN.c.reply_id).where(HIDDEN.c.reply_id == REPLY.c.id).exists()
    return [REPLY.c.deleted.is_(False), SETBACK.c.withdrawn_at.is_(None), ~hidden]


class InsightsRepo(OAuthStates):
    def __init__(self, connection: AsyncConnection) -> None:
        self._db = connection

    async def platform_of(self, community_id: str) -> str | None:
        found = await self._db.execute(
            select(COMMUNITY.c.platform).where(COMMUNITY.c.id == community_id)
        )
        return found.scalar()

    async def communities(self, platform: str) -> list[str]:
        rows = await self._db.execute(
            select(COMMUNITY.c.id).where(COMMUNITY.c.platform == platform).order_by(COMMUNITY.c.id)
        )
        return list(rows.scalars())

    # --- outcomes (rollups only) ----------------------------------------------------------

    async def outcome_counts(self, community_id: str, dimension: str, limit: int) -> list[Counts]:
        """The newest `limit` buckets of a dimension, in bucket order."""
        rows = await self._db.execute(
            select(OUTCOME_ROLLUP)
            .where(
                OUTCOME_ROLLUP.c.community_id == community_id,
                OUTCOME_ROLLUP.c.dimension == dimension,
            )
            .order_by(OUTCOME_ROLLUP.c.bucket.desc())
            .limit(limit)
        )
        found = [
            Counts(row["bucket"], row["bucket"], tuple(row[r] for r in RESULTS))
            for row in rows.mappings()
        ]
        return sorted(found, key=lambda counts: counts.key)

    async def acted_counts(self, community_id: str, subject: str, limit: int) -> list[Counts]:
        """What posters acted on most (a helper's replies, a template), most first."""
        rows = await self._db.execute(
            select(ACTED_ROLLUP)
            .where(
                ACTED_ROLLUP.c.community_id == community_id,
                ACTED_ROLLUP.c.subject == subject,
                ACTED_ROLLUP.c.total > 0,
            )
            .order_by(ACTED_ROLLUP.c.total.desc(), ACTED_ROLLUP.c.subject_key)
            .limit(limit)
        )
        return [
            Counts(row["subject_key"], row["label"], tuple(row[r] for r in RESULTS))
            for row in rows.mappings()
        ]

    async def reply_times(self, community_id: str) -> ReplyTimes:
        rows = await self._db.execute(
            select(REPLY_TIME_ROLLUP.c.minutes, REPLY_TIME_ROLLUP.c.count)
            .where(REPLY_TIME_ROLLUP.c.community_id == community_id)
            .order_by(REPLY_TIME_ROLLUP.c.minutes)
        )
        posts, waits = 0, []
        for minutes, count in rows:
            if minutes <= POSTS_BUCKET:
                posts += count
            elif count > 0:
                waits.append((minutes, count))
        return ReplyTimes(posts, tuple(waits))

    # --- the library ----------------------------------------------------------------------

    async def featured(self, community_id: str, limit: int) -> list[FeaturedItem]:
        rows = await self._db.execute(
            select(
                FEATURED.c.reply_id,
                FEATURED.c.setback_id,
                FEATURED.c.topic,
                FEATURED.c.summary,
                SETBACK.c.title,
                _shown_helper().label("helper"),
                REPLY.c.text,
                FEATURED.c.featured_at,
            )
            .join(REPLY, REPLY.c.id == FEATURED.c.reply_id)
            .join(SETBACK, SETBACK.c.id == FEATURED.c.setback_id)
            .where(FEATURED.c.community_id == community_id, FEATURED.c.featured, *_visible_reply())
            .order_by(FEATURED.c.topic, FEATURED.c.featured_at.desc(), FEATURED.c.id)
            .limit(limit)
        )
        return [FeaturedItem(*row) for row in rows]

    async def candidates(self, community_id: str, limit: int) -> list[Candidate]:
        # A best answer is in the library from its mark (unfeatured): still a candidate.
        featured = (
            select(FEATURED.c.id)
            .where(FEATURED.c.reply_id == REPLY.c.id, FEATURED.c.featured)
            .exists()
        )
        rows = await self._db.execute(
            select(
                REPLY.c.id,
                REPLY.c.setback_id,
                SETBACK.c.title,
                _shown_helper().label("helper"),
                REPLY.c.text,
                REPLY.c.best_marked_at,
            )
            .join(SETBACK, SETBACK.c.id == REPLY.c.setback_id)
            .where(
                REPLY.c.community_id == community_id,
                REPLY.c.best_marked_at.is_not(None),
                ~featured,
                *_visible_reply(),
            )
            .order_by(REPLY.c.best_marked_at.desc(), REPLY.c.id.desc())
            .limit(limit)
        )
        return [Candidate(*row) for row in rows]

    # --- the queue ------------------------------------------------------------------------

    def _queue_columns(self) -> list[ColumnElement[Any]]:
        return [
            SETBACK.c.id,
            SETBACK.c.title,
            shown_poster().label("poster"),
            SETBACK.c.stage,
            SETBACK.c.kind,
            SETBACK.c.created_at,
            SETBACK.c.channel_id,
            SETBACK.c.thread_ref,
        ]

    async def unanswered(self, community_id: str, limit: int) -> list[QueueItem]:
        """Open posts no one but their poster has replied to, oldest first."""
        answered = (
            select(REPLY.c.id)
            .where(
                REPLY.c.setback_id == SETBACK.c.id,
                REPLY.c.by_poster.is_(False),
                REPLY.c.relayed.is_(False),
                REPLY.c.deleted.is_(False),
            )
            .exists()
        )
        rows = await self._db.execute(
            select(*self._queue_columns())
            .where(
                SETBACK.c.community_id == community_id,
                SETBACK.c.closed_at.is_(None),
                SETBACK.c.withdrawn_at.is_(None),
                ~answered,
            )
            .order_by(SETBACK.c.created_at, SETBACK.c.id)
            .limit(limit)
        )
        return [QueueItem(*row) for row in rows]

    async def paused(self, community_id: str, limit: int) -> list[QueueItem]:
        """Posts whose follow-ups wait for a moderator after a crisis alert, oldest first."""
        rows = await self._db.execute(
            select(*self._queue_columns(), CARE_PAUSE.c.paused_at)
            .join(CARE_PAUSE, CARE_PAUSE.c.setback_id == SETBACK.c.id)
            .where(CARE_PAUSE.c.community_id == community_id)
            .order_by(CARE_PAUSE.c.paused_at, SETBACK.c.id)
            .limit(limit)
        )
        return [QueueItem(*row[:8], paused_at=row[8]) for row in rows]

    # --- the audit log --------------------------------------------------------------------

    async def audit(
        self,
        community_id: str,
        *,
        actor_id: str | None,
        action: str | None,
        since: datetime | None,
        until: datetime | None,
        before_id: int | None,
        limit: int,
    ) -> list[AuditRow]:
        """Newest first; `before_id` pages back."""
        conditions: list[ColumnElement[bool]] = [AUDIT.c.community_id == community_id]
        if actor_id is not None:
            conditions.append(AUDIT.c.actor_id == actor_id)
        if action is not None:
            conditions.append(AUDIT.c.action == action)
        if since is not None:
            conditions.append(AUDIT.c.created_at >= since)
        if until is not None:
            conditions.append(AUDIT.c.created_at < until)
        if before_id is not None:
            conditions.append(AUDIT.c.id < before_id)
        title = case((SETBACK.c.withdrawn_at.is_(None), SETBACK.c.title), else_=None)
        rows = await self._db.execute(
            select(
                AUDIT.c.id,
                AUDIT.c.created_at,
                AUDIT.c.actor_id,
                AUDIT.c.actor_name,
                AUDIT.c.action,
                AUDIT.c.setback_id,
                title.label("title"),
                AUDIT.c.reason,
            )
            .outerjoin(
                SETBACK,
                and_(SETBACK.c.id == AUDIT.c.setback_id, SETBACK.c.community_id == community_id),
            )
            .where(*conditions)
            .order_by(AUDIT.c.id.desc())
            .limit(limit)
        )
        return [AuditRow(*row) for row in rows]

    async def audit_actors(self, community_id: str) -> list[tuple[str, str]]:
        """Every moderator in the log (id, latest name), by name."""
        rows = await self._db.execute(
            select(AUDIT.c.actor_id, func.max(AUDIT.c.actor_name))
            .where(AUDIT.c.community_id == community_id)
            .group_by(AUDIT.c.actor_id)
        )
        return sorted(((str(i), str(n)) for i, n in rows), key=lambda pair: pair[1].casefold())
