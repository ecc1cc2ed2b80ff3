"""Rollups for the moderators' outcomes page (issue 13), written in the transaction that
records a post, a reply or an outcome, so the page reads a few rows however long the
community's history is. `rebuild` recomputes them from the records (the migration that adds
them, and benchmarks that generate records in bulk)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    Connection,
    Integer,
    Table,
    bindparam,
    case,
    cast,
    delete,
    func,
    literal,
    select,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.model import OutcomeReport, OutcomeResult, Post
from bot.store.prepared import prepared
from bot.store.statements import OUTCOME, REPLY, SETBACK, TEMPLATE_USE, insert_for
from bot.store.tables import ActedRollupRow, FirstReplyRow, OutcomeRollupRow, ReplyTimeRollupRow

OUTCOME_ROLLUP = OutcomeRollupRow
ACTED_ROLLUP = ActedRollupRow
FIRST_REPLY = FirstReplyRow
REPLY_TIME_ROLLUP = ReplyTimeRollupRow

RESULTS = tuple(result.value for result in OutcomeResult)
MONTH, STAGE, KIND = "month", "stage", "kind"
HELPER, TEMPLATE = "helper", "template"
_ZEROS = dict.fromkeys(RESULTS, 0)
POSTS_BUCKET = -1
# Posts are counted over several rows (buckets -1 to -POST_SLOTS, by post id), so posts made
# at once in one community do not queue on one row's lock until their transactions end.
POST_SLOTS = 8
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


@dataclass(frozen=True)
class _Hot:
    """The statements run with every post and reply, built once per dialect (building one
    costs more than SQLite running it; see bot/store/statements.py)."""

    count_wait: Any
    first_reply: Any


@cache
def _hot(dialect: str) -> _Hot:
    insert = insert_for(dialect)
    waits = insert(REPLY_TIME_ROLLUP).values(
        community_id=bindparam("b_community"), minutes=bindparam("b_minutes"), count=1
    )
    first = insert(FIRST_REPLY).values(
        setback_id=bindparam("b_post"),
        community_id=bindparam("b_community"),
        replied_at=bindparam("b_now", type_=FIRST_REPLY.c.replied_at.type),
    )
    return _Hot(
        count_wait=prepared(counted(waits)),
        first_reply=prepared(first.on_conflict_do_nothing()),  # inserted: its row count
    )


def counted(statement: Any) -> Any:
    """`statement` (an INSERT of a `reply_time_rollup` row counting 1) adding one to the
    row's count when it exists."""
    return statement.on_conflict_do_update(
        index_elements=["community_id", "minutes"],
        set_={"count": REPLY_TIME_ROLLUP.c["count"] + 1},
    )


def posts_slot(setback_id: Any) -> Any:
    """The bucket a post is counted in (an id, or a SQL expression of one)."""
    return POSTS_BUCKET - setback_id % POST_SLOTS


def counts_first_reply(post: Post, author_id: str, *, relayed: bool) -> bool:
    """Whether a reply by `author_id` may be the post's counted first reply: one by
    someone other than its poster, in the thread itself."""
    return not relayed and author_id != post.poster_id


def wait_bucket(post: Post, replied_at: datetime) -> int:
    """The bucket of a first reply at `replied_at`, by how long the post waited."""
    return delay_bucket(int((replied_at - post.created_at).total_seconds() // 60))


class RollupRepo:
    """Keeps the rollups in step with what the transaction records."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._db = connection
        self._insert = insert_for(connection.dialect.name)
        self._statements = _hot(connection.dialect.name)

    async def _bump(self, target: Table, keys: dict[str, Any], counts: dict[str, int]) -> None:
        statement = self._insert(target).values({**keys, **counts})
        await self._db.execute(
            statement.on_conflict_do_update(
                index_elements=list(keys),
                set_={name: target.c[name] + statement.excluded[name] for name in counts},
            )
        )

    # --- posts and replies ----------------------------------------------------------------

    async def post_added(self, community_id: str, setback_id: int) -> None:
        params = {"b_community": community_id, "b_minutes": posts_slot(setback_id)}
        await self._db.execute(self._statements.count_wait, params)

    async def reply_added(
        self, post: Post, author_id: str, *, relayed: bool, now: datetime
    ) -> bool:
        """Counts the post's first reply by someone other than its poster (its first
        answer), by its wait; whether this was that reply."""
        if not counts_first_reply(post, author_id, relayed=relayed):
            return False
        first = {"b_post": post.id, "b_community": post.community_id, "b_now": now}
        inserted = await self._db.execute(self._statements.first_reply, first)
        if inserted.rowcount != 1:  # the post had its first reply already
            return False
        params = {"b_community": post.community_id, "b_minutes": wait_bucket(post, now)}
        await self._db.execute(self._statements.count_wait, params)
        return True

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


async def forget_helper(db: AsyncConnection, community_id: str, member_id: str) -> None:
    """A member asked to be forgotten: their entry among the helpers (their id and name)
    goes; the outcome counts, which name no one, stay."""
    await db.execute(
        delete(ACTED_ROLLUP).where(
            ACTED_ROLLUP.c.community_id == community_id,
            ACTED_ROLLUP.c.subject == HELPER,
            ACTED_ROLLUP.c.subject_key == member_id,
        )
    )


# --- rebuilding from the records ------------------------------------------------------------


def _month(column: Any, dialect: str) -> Any:
    if dialect == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def _minutes_between(later: Any, earlier: Any, dialect: str) -> Any:
    """Whole minutes from `earlier` to `later`, rounded down as the incremental path does."""
    if dialect == "postgresql":
        return cast(func.floor(func.extract("epoch", later - earlier) / 60), Integer)
    seconds = cast(func.strftime("%s", later), Integer) - cast(
        func.strftime("%s", earlier), Integer
    )
    return cast(func.floor(seconds / 60.0), Integer)


def _result_sums(result: Any) -> list[Any]:
    return [func.sum(case((result == name, 1), else_=0)).label(name) for name in RESULTS]


def rebuild(db: Connection, community_ids: Iterable[str] | None = None) -> None:
    """Recompute every rollup from the records (synchronous: alembic's connection, or
    `AsyncConnection.run_sync`). The counting is done by the database, in a few grouped
    statements, so it needs little memory whatever the history."""
    dialect = db.dialect.name
    wanted = None if community_ids is None else list(community_ids)

    def scoped(column: Any) -> Any:
        return literal(True) if wanted is None else column.in_(wanted)

    for target in (OUTCOME_ROLLUP, ACTED_ROLLUP, REPLY_TIME_ROLLUP, FIRST_REPLY):
        db.execute(delete(target).where(scoped(target.c.community_id)))

    reported = OUTCOME.join(SETBACK, SETBACK.c.id == OUTCOME.c.setback_id)
    counted = [scoped(OUTCOME.c.community_id), OUTCOME.c.result.in_(RESULTS)]
    for dimension, bucket in (
        (MONTH, _month(OUTCOME.c.created_at, dialect)),
        (STAGE, func.coalesce(SETBACK.c.stage, "")),
        (KIND, func.coalesce(SETBACK.c.kind, "")),
    ):
        grouped = (
            select(
                OUTCOME.c.community_id,
                literal(dimension).label("dimension"),
                bucket.label("bucket"),
                *_result_sums(OUTCOME.c.result),
            )
            .select_from(reported)
            .where(*counted)
            .group_by(OUTCOME.c.community_id, bucket)
        )
        columns = ["community_id", "dimension", "bucket", *RESULTS]
        db.execute(OUTCOME_ROLLUP.insert().from_select(columns, grouped))

    first = (
        select(REPLY.c.setback_id, SETBACK.c.community_id, func.min(REPLY.c.created_at))
        .select_from(REPLY.join(SETBACK, SETBACK.c.id == REPLY.c.setback_id))
        .where(
            scoped(SETBACK.c.community_id),
            REPLY.c.by_poster.is_(False),
            REPLY.c.relayed.is_(False),
        )
        .group_by(REPLY.c.setback_id, SETBACK.c.community_id)
    )
    db.execute(
        FIRST_REPLY.insert().from_select(["setback_id", "community_id", "replied_at"], first)
    )
    slot = (POSTS_BUCKET - SETBACK.c.id % POST_SLOTS).label("slot")
    posts = (
        select(SETBACK.c.community_id, slot, func.count())
        .where(scoped(SETBACK.c.community_id))
        .group_by(SETBACK.c.community_id, slot)
    )
    db.execute(REPLY_TIME_ROLLUP.insert().from_select(["community_id", "minutes", "count"], posts))
    waited = _minutes_between(FIRST_REPLY.c.replied_at, SETBACK.c.created_at, dialect)
    waits: Counter[tuple[str, int]] = Counter()
    for community, minutes, number in db.execute(
        select(FIRST_REPLY.c.community_id, waited, func.count())
        .select_from(FIRST_REPLY.join(SETBACK, SETBACK.c.id == FIRST_REPLY.c.setback_id))
        .where(scoped(FIRST_REPLY.c.community_id))
        .group_by(FIRST_REPLY.c.community_id, waited)
    ):
        waits[(community, delay_bucket(int(minutes)))] += int(number)
    _insert_all(
        db,
        REPLY_TIME_ROLLUP,
        [{"community_id": c, "minutes": m, "count": n} for (c, m), n in waits.items()],
    )
    _rebuild_acted(db, scoped)


def _rebuild_acted(db: Connection, scoped: Callable[[Any], Any]) -> None:
    """Helpers (from each outcome's list of replies acted on) and templates sent."""
    counts: dict[tuple[str, str, str], Counter[str]] = defaultdict(Counter)
    labels: dict[tuple[str, str, str], str] = {}
    acted: dict[int, tuple[str, str]] = {}  # reply id -> (community, result)
    for community, result, acted_on in db.execute(
        select(OUTCOME.c.community_id, OUTCOME.c.result, OUTCOME.c.acted_on).where(
            scoped(OUTCOME.c.community_id), OUTCOME.c.result.in_(RESULTS)
        )
    ):
        for reply_id in acted_on or []:
            acted[int(reply_id)] = (community, result)
    ids = sorted(acted)
    seen: set[tuple[str, str, int]] = set()
    for first in range(0, len(ids), 5000):
        rows = db.execute(
            select(REPLY.c.id, REPLY.c.setback_id, REPLY.c.author_id, REPLY.c.author_name).where(
                REPLY.c.id.in_(ids[first : first + 5000]),
                REPLY.c.by_poster.is_(False),
                REPLY.c.relayed.is_(False),
            )
        )
        for reply_id, post_id, author, name in rows:
            community, result = acted[reply_id]
            if (community, author, post_id) in seen:  # one count per helper and post
                continue
            seen.add((community, author, post_id))
            key = (community, HELPER, author)
            counts[key][result] += 1
            labels[key] = name
    sent = (
        select(
            TEMPLATE_USE.c.community_id,
            TEMPLATE_USE.c.template_key,
            func.max(TEMPLATE_USE.c.template_title),
            *_result_sums(OUTCOME.c.result),
        )
        .select_from(
            TEMPLATE_USE.join(
                OUTCOME,
                (OUTCOME.c.setback_id == TEMPLATE_USE.c.setback_id)
                & (OUTCOME.c.community_id == TEMPLATE_USE.c.community_id),
            )
        )
        .where(
            scoped(TEMPLATE_USE.c.community_id),
            TEMPLATE_USE.c.sent.is_(True),
            OUTCOME.c.result.in_(RESULTS),
        )
        .group_by(TEMPLATE_USE.c.community_id, TEMPLATE_USE.c.template_key)
    )
    for community, key_name, title, *sums in db.execute(sent):
        key = (community, TEMPLATE, key_name)
        counts[key].update(dict(zip(RESULTS, (int(n) for n in sums), strict=True)))
        labels[key] = title
    _insert_all(
        db,
        ACTED_ROLLUP,
        [
            {
                "community_id": c,
                "subject": s,
                "subject_key": k,
                "label": labels[(c, s, k)],
                **{result: counts[(c, s, k)][result] for result in RESULTS},
                "total": sum(counts[(c, s, k)].values()),
            }
            for (c, s, k) in counts
        ],
    )


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
    "forget_helper",
    "rebuild",
]
