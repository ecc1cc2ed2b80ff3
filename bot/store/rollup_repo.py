"""Rollups for the moderators' outcomes page (issue 13), written in the transaction that
records a post, a reply or an outcome, so the page reads a few rows however long the
community's history is. `rebuild` recomputes them from the records (the migration that adds
them, and benchmarks that generate records in bulk)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, delete, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.model import OutcomeReport, OutcomeResult, Post
from bot.store.statements import OUTCOME, REPLY, SETBACK, TEMPLATE_USE, table
from bot.store.tables import ActedRollupRow, FirstReplyRow, OutcomeRollupRow, ReplyTimeRollupRow

OUTCOME_ROLLUP = table(OutcomeRollupRow)
ACTED_ROLLUP = table(ActedRollupRow)
FIRST_REPLY = table(FirstReplyRow)
REPLY_TIME_ROLLUP = table(ReplyTimeRollupRow)

RESULTS = tuple(result.value for result in OutcomeResult)
MONTH, STAGE, KIND = "month", "stage", "kind"
HELPER, TEMPLATE = "helper", "template"
_ZEROS = dict.fromkeys(RESULTS, 0)
POSTS_BUCKET = -1
HOUR, DAY = 60, 24 * 60
LONGEST_BUCKET = 90 * DAY


def delay_bucket(minutes: int) -> int:
    """A first reply's wait, as its bucket's lower bound in minutes: by the minute for the
    first hour, by the hour for two days, then by the day (90 days and more in one)."""
    minutes = max(minutes, 0)
    if minutes < HOUR:
        return minutes
    if minutes < 2 * DAY:
        return minutes - minutes % HOUR
    return min(minutes - minutes % DAY, LONGEST_BUCKET)


def month_of(when: datetime) -> str:
    return f"{when:%Y-%m}"


def _buckets(post: Post, reported_at: datetime) -> list[tuple[str, str]]:
    return [
        (MONTH, month_of(reported_at)),
        (STAGE, post.stage.value if post.stage else ""),
        (KIND, post.kind.value if post.kind else ""),
    ]


def _insert_for(dialect: str) -> Callable[[Table], Any]:
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


class RollupRepo:
    """Keeps the rollups in step with what the transaction records."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._db = connection
        self._insert = _insert_for(connection.dialect.name)

    async def _bump(self, target: Table, keys: dict[str, Any], counts: dict[str, int]) -> None:
        statement = self._insert(target).values({**keys, **counts})
        await self._db.execute(
            statement.on_conflict_do_update(
                index_elements=list(keys),
                set_={name: target.c[name] + statement.excluded[name] for name in counts},
            )
        )

    # --- posts and replies ----------------------------------------------------------------

    async def post_added(self, community_id: str) -> None:
        keys = {"community_id": community_id, "minutes": POSTS_BUCKET}
        await self._bump(REPLY_TIME_ROLLUP, keys, {"count": 1})

    async def reply_added(
        self, post: Post, author_id: str, *, relayed: bool, now: datetime
    ) -> None:
        """Counts the post's first reply by someone other than its poster, by its wait."""
        if relayed or author_id == post.poster_id:
            return
        first = self._insert(FIRST_REPLY).values(
            setback_id=post.id, community_id=post.community_id, replied_at=now
        )
        inserted = await self._db.execute(
            first.on_conflict_do_nothing().returning(FIRST_REPLY.c.setback_id)
        )
        if inserted.scalar() is None:
            return
        waited = int((now - post.created_at).total_seconds() // 60)
        keys = {"community_id": post.community_id, "minutes": delay_bucket(waited)}
        await self._bump(REPLY_TIME_ROLLUP, keys, {"count": 1})

    # --- outcomes -------------------------------------------------------------------------

    async def outcome_added(self, post: Post, report: OutcomeReport, now: datetime) -> None:
        sent = list(report.sent_template_use_ids)
        await self._count(
            post, report.result, now, acted_on=report.acted_on_reply_ids, sent_uses=sent, step=1
        )

    async def outcome_changing(self, post: Post, report: OutcomeReport, now: datetime) -> None:
        """Called before the change is written: the old update leaves the counts, the new
        one enters them, in the month the update was first reported."""
        old = (
            (
                await self._db.execute(
                    select(OUTCOME.c.result, OUTCOME.c.acted_on, OUTCOME.c.created_at).where(
                        OUTCOME.c.community_id == post.community_id,
                        OUTCOME.c.setback_id == post.id,
                    )
                )
            )
            .mappings()
            .first()
        )
        if old is None:
            return
        sent_before = list(
            (
                await self._db.execute(
                    select(TEMPLATE_USE.c.id).where(
                        TEMPLATE_USE.c.community_id == post.community_id,
                        TEMPLATE_USE.c.setback_id == post.id,
                        TEMPLATE_USE.c.sent.is_(True),
                    )
                )
            ).scalars()
        )
        reported_at = old["created_at"]
        acted_before = [int(i) for i in old["acted_on"]]
        await self._count(
            post, old["result"], reported_at, acted_on=acted_before, sent_uses=sent_before, step=-1
        )
        sent_after = sorted({*sent_before, *report.sent_template_use_ids})
        acted_after = list(report.acted_on_reply_ids)
        await self._count(
            post, report.result, reported_at, acted_on=acted_after, sent_uses=sent_after, step=1
        )

    async def _count(
        self,
        post: Post,
        result: str,
        reported_at: datetime,
        *,
        acted_on: Sequence[int],
        sent_uses: Sequence[int],
        step: int,
    ) -> None:
        if result not in RESULTS:
            return
        for dimension, bucket in _buckets(post, reported_at):
            keys = {"community_id": post.community_id, "dimension": dimension, "bucket": bucket}
            await self._bump(OUTCOME_ROLLUP, keys, {**_ZEROS, result: step})
        for subject, key, label in await self._acted(post, acted_on, sent_uses):
            keys = {"community_id": post.community_id, "subject": subject, "subject_key": key}
            statement = self._insert(ACTED_ROLLUP).values(
                {**keys, **_ZEROS, "label": label, result: step, "total": step}
            )
            await self._db.execute(
                statement.on_conflict_do_update(
                    index_elements=list(keys),
                    set_={
                        "label": statement.excluded.label,
                        result: ACTED_ROLLUP.c[result] + step,
                        "total": ACTED_ROLLUP.c.total + step,
                    },
                )
            )

    async def _acted(
        self, post: Post, acted_on: Sequence[int], sent_uses: Sequence[int]
    ) -> list[tuple[str, str, str]]:
        """The helpers (one entry each, however many of their replies) and templates."""
        subjects: dict[tuple[str, str], str] = {}
        if acted_on:
            rows = await self._db.execute(
                select(REPLY.c.author_id, REPLY.c.author_name).where(
                    REPLY.c.community_id == post.community_id,
                    REPLY.c.setback_id == post.id,
                    REPLY.c.id.in_(list(acted_on)),
                    REPLY.c.by_poster.is_(False),
                    REPLY.c.relayed.is_(False),
                )
            )
            for author_id, name in rows:
                subjects[(HELPER, author_id)] = name
        if sent_uses:
            rows = await self._db.execute(
                select(TEMPLATE_USE.c.template_key, TEMPLATE_USE.c.template_title).where(
                    TEMPLATE_USE.c.community_id == post.community_id,
                    TEMPLATE_USE.c.setback_id == post.id,
                    TEMPLATE_USE.c.id.in_(list(sent_uses)),
                )
            )
            for key, title in rows:
                subjects[(TEMPLATE, key)] = title
        return [(subject, key, label) for (subject, key), label in subjects.items()]


# --- rebuilding from the records ------------------------------------------------------------


def rebuild(db: Connection, community_ids: Iterable[str] | None = None) -> None:
    """Recompute every rollup from the records (synchronous: alembic's connection, or
    `AsyncConnection.run_sync`). Reads in one pass per table, keyed by post id."""
    wanted = None if community_ids is None else list(community_ids)

    def scoped(column: Any) -> Any:
        return literal(True) if wanted is None else column.in_(wanted)

    for target in (OUTCOME_ROLLUP, ACTED_ROLLUP, REPLY_TIME_ROLLUP, FIRST_REPLY):
        db.execute(delete(target).where(scoped(target.c.community_id)))

    posts: dict[int, tuple[str, datetime, str, str]] = {}
    post_counts: Counter[str] = Counter()
    for post_id, community, created, stage, kind in db.execute(
        select(
            SETBACK.c.id,
            SETBACK.c.community_id,
            SETBACK.c.created_at,
            SETBACK.c.stage,
            SETBACK.c.kind,
        ).where(scoped(SETBACK.c.community_id))
    ):
        posts[post_id] = (community, created, stage or "", kind or "")
        post_counts[community] += 1

    first: dict[int, tuple[str, datetime]] = {}
    helpers: dict[int, tuple[str, str]] = {}
    for reply_id, post_id, author, name, created in db.execute(
        select(
            REPLY.c.id,
            REPLY.c.setback_id,
            REPLY.c.author_id,
            REPLY.c.author_name,
            REPLY.c.created_at,
        ).where(
            scoped(REPLY.c.community_id),
            REPLY.c.by_poster.is_(False),
            REPLY.c.relayed.is_(False),
        )
    ):
        helpers[reply_id] = (author, name)
        if post_id in posts and (post_id not in first or created < first[post_id][1]):
            first[post_id] = (posts[post_id][0], created)

    outcome_counts: dict[tuple[str, str, str], Counter[str]] = defaultdict(Counter)
    acted_counts: dict[tuple[str, str, str], Counter[str]] = defaultdict(Counter)
    labels: dict[tuple[str, str, str], str] = {}
    reported: dict[int, str] = {}
    for post_id, result, acted_on, created in db.execute(
        select(
            OUTCOME.c.setback_id, OUTCOME.c.result, OUTCOME.c.acted_on, OUTCOME.c.created_at
        ).where(scoped(OUTCOME.c.community_id))
    ):
        if post_id not in posts or result not in RESULTS:
            continue
        community, _, stage, kind = posts[post_id]
        reported[post_id] = result
        for dimension, bucket in ((MONTH, month_of(created)), (STAGE, stage), (KIND, kind)):
            outcome_counts[(community, dimension, bucket)][result] += 1
        for author, name in {helpers[i] for i in acted_on if i in helpers}:
            key = (community, HELPER, author)
            acted_counts[key][result] += 1
            labels[key] = name
    for post_id, key_name, title in db.execute(
        select(
            TEMPLATE_USE.c.setback_id, TEMPLATE_USE.c.template_key, TEMPLATE_USE.c.template_title
        )
        .where(scoped(TEMPLATE_USE.c.community_id), TEMPLATE_USE.c.sent.is_(True))
        .distinct()
    ):
        if post_id in reported:
            key = (posts[post_id][0], TEMPLATE, key_name)
            acted_counts[key][reported[post_id]] += 1
            labels[key] = title

    _insert_all(
        db,
        OUTCOME_ROLLUP,
        [
            {"community_id": c, "dimension": d, "bucket": b, **_columns(counts)}
            for (c, d, b), counts in outcome_counts.items()
        ],
    )
    _insert_all(
        db,
        ACTED_ROLLUP,
        [
            {
                "community_id": c,
                "subject": s,
                "subject_key": k,
                "label": labels[(c, s, k)],
                **_columns(counts),
                "total": sum(counts.values()),
            }
            for (c, s, k), counts in acted_counts.items()
        ],
    )
    _insert_all(
        db,
        FIRST_REPLY,
        [
            {"setback_id": post_id, "community_id": c, "replied_at": at}
            for post_id, (c, at) in first.items()
        ],
    )
    waits: Counter[tuple[str, int]] = Counter(
        {(c, POSTS_BUCKET): n for c, n in post_counts.items()}
    )
    for post_id, (community, replied_at) in first.items():
        waited = int((replied_at - posts[post_id][1]).total_seconds() // 60)
        waits[(community, delay_bucket(waited))] += 1
    _insert_all(
        db,
        REPLY_TIME_ROLLUP,
        [{"community_id": c, "minutes": m, "count": n} for (c, m), n in waits.items()],
    )


def _columns(counts: Counter[str]) -> dict[str, int]:
    return {result: counts[result] for result in RESULTS}


def _insert_all(
    db: Connection, target: Table, rows: list[dict[str, Any]], chunk: int = 5000
) -> None:
    for first in range(0, len(rows), chunk):
        db.execute(target.insert(), rows[first : first + chunk])


__all__ = [
    "ACTED_ROLLUP",
    "FIRST_REPLY",
    "OUTCOME_ROLLUP",
    "REPLY_TIME_ROLLUP",
    "RollupRepo",
    "delay_bucket",
    "rebuild",
]
