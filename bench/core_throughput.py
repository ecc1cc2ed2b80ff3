"""Posts, replies and best-answer marks per second through the real core, versus raw sqlite3.

Both sides write the same logical rows to a fresh SQLite file with the product's pragmas
(WAL, synchronous=FULL, foreign keys on) and its migrated schema:

* core: `Rebound.handle` with an in-memory outbox, the way an adapter drives it. A post is
  the form being opened (`CommandInvoked`) and submitted (`FormSubmitted`) and counts as ONE
  operation; each reply is a `MessagePosted` in the post's thread (the ref the outbox returned
  for the `StartThread`); each mark is the poster's `mark_best` on the first reply.
* raw, same rows (the goal's baseline): every row the core wrote for an operation (the
  event record, the post or reply, its follow-ups, outbox rows and so on), captured from the
  core's own statements and replayed through the standard library's sqlite3, each row in
  its own `BEGIN IMMEDIATE` ... `COMMIT`.
* raw, one row per op (a stricter reference): one `INSERT` per post, one per reply and one
  `UPDATE` per mark, each in its own transaction.

The core and the one-row-per-op side are run alternately in `ROUNDS` rounds, and the round
with the median ratio is reported (each round's ratio is printed). The goals (core throughput
>= 25% of raw single-row commits; >= 20% on PostgreSQL) are in the issue tracker.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import URL, event
from sqlalchemy.dialects import sqlite as sqlite_dialect

from bench.common import (
    BenchResult,
    CountingOutbox,
    Goal,
    asyncpg_dsn,
    percentile,
    postgres_base_url,
    postgres_unreachable,
    scratch_postgres,
)
from bot.common.clock import ManualClock
from bot.contract.events import CommandInvoked, FormSubmitted, MessageActionInvoked, MessagePosted
from bot.contract.intents import Intent, OpenForm, RejectForm
from bot.domain.model import CommunitySettings, Member
from bot.engine.bootstrap import build_rebound
from bot.engine.runtime import Rebound
from bot.store.engine import SQLITE_BUSY_TIMEOUT_MS, create_engine
from bot.store.migrate import upgrade
from bot.store.statements import SETBACK

NAME = "core_throughput"
TITLE = "Core throughput (SQLite file): Rebound.handle vs raw sqlite3 single-row commits"

FULL_POSTS = 1_700  # 10,200 events: the memory figure compares 10,000+ events with 100
POSTGRES_POSTS = 400  # enough for stable ratios; PostgreSQL commits are slower
QUICK_POSTS = 4
# The core and its one-row-per-op baseline are run alternately this many times and the
# round with the median ratio is reported: a disk's fsync time drifts over seconds, so one
# run of each side, back to back, can land on a fast and a slow stretch.
ROUNDS = 3
QUICK_ROUNDS = 1
REPLIES_PER_POST = 3
RATIO_GOAL_PERCENT = 25.0
POSTGRES_RATIO_GOAL_PERCENT = 20.0
RSS_GOAL_RATIO = 1.1
RSS_EARLY_EVENTS = 100
RSS_AFTER = frozenset({RSS_EARLY_EVENTS})

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
COMMUNITY = "console:bench"
PLATFORM = "console"
POSTERS = 40
HELPERS = tuple(Member(user_id=f"U-helper-{k}", display_name=f"Helper {k}") for k in range(8))

TITLE_TEXT = "Froze in the system design round #{i}"
BODY_TEXT = (
    "The interviewer asked me to design a rate limiter and my mind went blank for a full "
    "minute. I recovered a little, but I never got to the trade-offs. Any advice?"
)
REPLY_TEXT = "Been there. Say your thinking out loud, even the blank part; it buys time. ({n})"

# The op types, in the order they are reported.
OPEN_FORM, POST, REPLY, MARK = "open form", "post", "reply", "mark"


@dataclass
class Run:
    """Latencies (seconds) per op type, and the wall time of the whole workload."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    wall_s: float = 0.0
    cpu_s: float = 0.0
    ops_override: int | None = None  # a replay knows its op count from the run it copies

    def record(self, op: str, seconds: float) -> None:
        self.latencies.setdefault(op, []).append(seconds)

    def ops(self) -> int:
        """Logical operations: posts, replies and marks (opening the form is part of a post)."""
        if self.ops_override is not None:
            return self.ops_override
        return sum(len(self.latencies.get(op, [])) for op in (POST, REPLY, MARK))

    def per_second(self) -> float:
        return self.ops() / self.wall_s if self.wall_s > 0 else 0.0

    def cpu_ms_per_op(self) -> float:
        return 1000 * self.cpu_s / self.ops() if self.ops() else 0.0

    def wall_ms_per_op(self) -> float:
        return 1000 * self.wall_s / self.ops() if self.ops() else 0.0


@dataclass(frozen=True)
class Round:
    """One run of the core and, right after it, one of the baseline."""

    core: Run
    raw: Run

    def ratio(self) -> float:
        """The core's throughput as a percentage of the baseline's."""
        raw_rate = self.raw.per_second()
        return 100 * self.core.per_second() / raw_rate if raw_rate else 0.0


def median_round(rounds: list[Round]) -> Round:
    """The round whose ratio is the median (the lower middle one of an even number)."""
    ordered = sorted(rounds, key=Round.ratio)
    return ordered[(len(ordered) - 1) // 2]


def add_rounds(result: BenchResult, prefix: str, rounds: list[Round]) -> None:
    if len(rounds) > 1:
        ratios = ", ".join(f"{one.ratio():.1f} %" for one in rounds)
        result.notes.append(f"{prefix}core/raw one row per op in each round: {ratios}")


def poster(i: int) -> Member:
    return Member(user_id=f"U-poster-{i % POSTERS}", display_name=f"Poster {i % POSTERS}")


def helper(i: int, j: int) -> Member:
    return HELPERS[(i + j) % len(HELPERS)]


def form_values(i: int) -> dict[str, str]:
    return {
        "title": TITLE_TEXT.format(i=i),
        "body": BODY_TEXT,
        "stage": "final_round",
        "kind": "went_badly",
        "tags": "system-design, backend",
    }


def reply_ref(i: int, j: int) -> str:
    return f"msg-{i}-{j}"


# --- the core -------------------------------------------------------------------------------


class CoreDriver:
    """Feeds events to a real core and times each `handle` call."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.clock = ManualClock(START)
        self.outbox = CountingOutbox()
        self.run = Run()
        self.writes: list[Write] = []
        self._op: str | None = None
        self._event = 0
        self.rss_at: dict[int, int] = {}
        """Resident memory (bytes) after this many events (see `RSS_AFTER`)."""
        self.statements: Counter[str] = Counter()
        """SQL statements run per op type (the capture's runs only), BEGIN/COMMIT aside."""
        self.commits: Counter[str] = Counter()
        self.synced_commits: Counter[str] = Counter()
        """Commits that waited for the disk (synchronous=FULL at the commit)."""

    def _capture(
        self,
        _conn: object,
        _cursor: object,
        statement: str,
        parameters: Any,
        _context: object,
        executemany: bool,
    ) -> None:
        """Keep every row-writing statement, with its parameters, for the same-rows replay."""
        if self._op is not None:
            self.statements[_counted(self._op)] += 1
        if statement.lstrip().split(None, 1)[0].upper() not in {"INSERT", "UPDATE", "DELETE"}:
            return
        # An executemany is one row per parameter set; a batched multi-VALUES insert stays
        # one statement (replaying it as one commit only flatters the raw side).
        many = executemany and parameters and isinstance(parameters[0], tuple | list)
        for row in parameters if many else [parameters]:
            self.writes.append(Write(self._op, statement, tuple(row)))

    def _count_commit(self, conn: Any) -> None:
        if self._op is None:
            return
        op = _counted(self._op)
        self.commits[op] += 1
        driver = conn.connection.driver_connection
        if driver.execute("PRAGMA synchronous").fetchone()[0] >= FULL_SYNC:
            self.synced_commits[op] += 1

    def _base(self, actor: Member) -> dict[str, Any]:
        self._event += 1
        self.clock.advance(timedelta(seconds=1))
        return {"community_id": COMMUNITY, "event_id": f"ev-{self._event}", "actor": actor}

    async def _timed(self, op: str, event: Any) -> list[Intent]:
        core = self._core
        self._op = op
        started = time.perf_counter()
        intents = await core.handle(event, self.outbox)
        self.run.record(op, time.perf_counter() - started)
        self._op = None
        if self._event in RSS_AFTER:
            self.rss_at[self._event] = rss_bytes()
        return intents

    async def setup(self, capture: bool = True) -> None:
        self._core = await build_rebound(self.url, self.clock, worker="bench")
        if capture:
            event.listen(self._core.store.sync_engine, "before_cursor_execute", self._capture)
            event.listen(self._core.store.sync_engine, "commit", self._count_commit)
        settings = CommunitySettings(helpers_channel="helpers")
        await self._core.ensure_community(COMMUNITY, PLATFORM, settings)

    async def close(self) -> None:
        await self._core.close()

    @property
    def core(self) -> Rebound:
        return self._core

    async def post(self, i: int) -> str:
        actor = poster(i)
        opened = await self._timed(
            OPEN_FORM, CommandInvoked(**self._base(actor), command="setback")
        )
        form = next(intent.form for intent in opened if isinstance(intent, OpenForm))
        self.outbox.last_thread_ref = None
        submitted = FormSubmitted(**self._base(actor), form_id=form.form_id, values=form_values(i))
        intents = await self._timed(POST, submitted)
        rejected = [intent for intent in intents if isinstance(intent, RejectForm)]
        if rejected or self.outbox.last_thread_ref is None:
            raise RuntimeError(f"post {i} was not started: {intents}")
        return self.outbox.last_thread_ref

    async def reply(self, i: int, j: int, thread_ref: str) -> None:
        event = MessagePosted(
            **self._base(helper(i, j)),
            channel_id="support",
            message_ref=reply_ref(i, j),
            text=REPLY_TEXT.format(n=j),
            thread_ref=thread_ref,
        )
        await self._timed(REPLY, event)

    async def mark(self, i: int) -> None:
        event = MessageActionInvoked(
            **self._base(poster(i)), action="mark_best", message_ref=reply_ref(i, 0)
        )
        await self._timed(MARK, event)


FULL_SYNC = 2  # PRAGMA synchronous: 2 is FULL, 1 NORMAL


def _counted(op: str) -> str:
    """The op a statement is counted under: opening the form is part of the post."""
    return POST if op == OPEN_FORM else op


@dataclass(frozen=True)
class Write:
    """One row written by the core: the operation it belonged to, its SQL and parameters."""

    op: str | None
    statement: str
    params: tuple[Any, ...]


async def drive(
    url: str, posts: int, *, capture: bool, prepare: Callable[[Rebound], None] | None = None
) -> CoreDriver:
    """The workload through a real core on `url`: timed, CPU-timed, memory sampled;
    `prepare` sees the core before the first event."""
    driver = CoreDriver(url)
    await driver.setup(capture=capture)
    if prepare is not None:
        prepare(driver.core)
    try:
        started, cpu = time.perf_counter(), time.process_time()
        for i in range(posts):
            thread_ref = await driver.post(i)
            for j in range(REPLIES_PER_POST):
                await driver.reply(i, j, thread_ref)
            await driver.mark(i)
        driver.run.wall_s = time.perf_counter() - started
        driver.run.cpu_s = time.process_time() - cpu
        driver.rss_at[driver._event] = rss_bytes()
    finally:
        await driver.close()
    return driver


async def run_core(
    path: Path, posts: int, prepare: Callable[[Rebound], None] | None = None
) -> tuple[Run, list[Write]]:
    driver = await drive(f"sqlite+aiosqlite:///{path}", posts, capture=True, prepare=prepare)
    return driver.run, driver.writes


def rss_bytes() -> int:
    """This process's resident memory now (Linux /proc; 0 where there is none)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


# --- raw sqlite3 ------------------------------------------------------------------------------


async def create_schema(path: Path) -> None:
    """The product's schema (alembic migrations), so both sides write to the same tables."""
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


def datetime_to_sql() -> Callable[[datetime], str]:
    """How the store writes an aware datetime on SQLite (the same processor SQLAlchemy runs)."""
    processor = SETBACK.c.created_at.type.bind_processor(sqlite_dialect.dialect())
    assert processor is not None
    convert: Callable[[datetime], str] = processor
    return convert


def connect_raw(path: Path) -> sqlite3.Connection:
    """A bare sqlite3 connection with exactly the pragmas the product's engine sets."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    return conn


INSERT_SETBACK = """
INSERT INTO setback (community_id, poster_id, poster_name, anonymous, pseudonym, title, body,
    stage, kind, tags, source, channel_id, thread_ref, status_message_ref, created_at,
    last_activity_at, outcome_ask_at, closed_at, stop_asking, still_waiting_count)
VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?, ?, 'form', 'support', ?, ?, ?, ?, ?, NULL, 0, 0)
"""
INSERT_REPLY = """
INSERT INTO reply (community_id, setback_id, author_id, author_name, by_poster, relayed, text,
    message_ref, created_at, deleted)
VALUES (?, ?, ?, ?, 0, 0, ?, ?, ?, 0)
"""
MARK_REPLY = "UPDATE reply SET best_marked_at = ?, best_marked_by = ? WHERE id = ?"


@dataclass(frozen=True)
class RawSql:
    """The baseline's three statements in one database's dialect."""

    post: str
    reply: str
    mark: str


Commit = Callable[[str, str, tuple[Any, ...]], Awaitable[int]]
"""Runs one statement in a transaction of its own, times it under its op; the row's id."""


async def raw_workload(
    posts: int, sql: RawSql, commit: Commit, when: Callable[[datetime], Any]
) -> None:
    """The benchmark's posts, replies and marks as one row per op (`when` turns an aware
    datetime into what the database's driver takes)."""
    now = START
    for i in range(posts):
        now += timedelta(seconds=2)
        member, values = poster(i), form_values(i)
        thread_ref = f"out-{i}"
        post = (
            COMMUNITY,
            member.user_id,
            member.display_name,
            f"pseudonym {i}",
            values["title"],
            values["body"],
            values["stage"],
            values["kind"],
            json.dumps(["system-design", "backend"]),
            thread_ref,
            thread_ref,
            when(now),
            when(now),
            when(now + timedelta(days=14)),
        )
        setback_id = await commit(POST, sql.post, post)
        first_reply = 0
        for j in range(REPLIES_PER_POST):
            now += timedelta(seconds=1)
            author = helper(i, j)
            reply = (
                COMMUNITY,
                setback_id,
                author.user_id,
                author.display_name,
                REPLY_TEXT.format(n=j),
                reply_ref(i, j),
                when(now),
            )
            reply_id = await commit(REPLY, sql.reply, reply)
            first_reply = first_reply or reply_id
        now += timedelta(seconds=1)
        await commit(MARK, sql.mark, (when(now), member.user_id, first_reply))


SQLITE_SQL = RawSql(INSERT_SETBACK, INSERT_REPLY, MARK_REPLY)


async def run_raw(path: Path, posts: int) -> Run:
    """One row per op through the standard library's sqlite3 (blocking: nothing else runs)."""
    conn = connect_raw(path)
    run = Run()
    try:
        conn.execute(
            "INSERT INTO community (id, platform, settings, created_at) VALUES (?, ?, ?, ?)",
            (COMMUNITY, PLATFORM, json.dumps({}), datetime_to_sql()(START)),
        )

        async def commit_one(op: str, statement: str, params: tuple[Any, ...]) -> int:
            started = time.perf_counter()
            conn.execute("BEGIN IMMEDIATE")
            row_id = conn.execute(statement, params).lastrowid
            conn.execute("COMMIT")
            run.record(op, time.perf_counter() - started)
            return row_id or 0

        started, cpu = time.perf_counter(), time.process_time()
        await raw_workload(posts, SQLITE_SQL, commit_one, datetime_to_sql())
        run.wall_s = time.perf_counter() - started
        run.cpu_s = time.process_time() - cpu
    finally:
        conn.close()
    return run


PG_INSERT_SETBACK = """
INSERT INTO setback (community_id, poster_id, poster_name, anonymous, pseudonym, title, body,
    stage, kind, tags, source, channel_id, thread_ref, status_message_ref, created_at,
    last_activity_at, outcome_ask_at, closed_at, stop_asking, still_waiting_count)
VALUES ($1, $2, $3, false, $4, $5, $6, $7, $8, $9, 'form', 'support', $10, $11, $12, $13, $14,
    NULL, false, 0)
RETURNING id
"""
PG_INSERT_REPLY = """
INSERT INTO reply (community_id, setback_id, author_id, author_name, by_poster, relayed, text,
    message_ref, created_at, deleted)
VALUES ($1, $2, $3, $4, false, false, $5, $6, $7, false)
RETURNING id
"""
PG_MARK_REPLY = "UPDATE reply SET best_marked_at = $1, best_marked_by = $2 WHERE id = $3"


POSTGRES_SQL = RawSql(PG_INSERT_SETBACK, PG_INSERT_REPLY, PG_MARK_REPLY)


def naive_utc(moment: datetime) -> datetime:
    """The columns are naive UTC (see bot/store/types.py)."""
    return moment.replace(tzinfo=None)


async def run_raw_postgres(dsn: str, posts: int) -> Run:
    """`run_raw` on PostgreSQL through asyncpg: one row per transaction, prepared statements."""
    conn = await asyncpg.connect(dsn)
    run = Run()
    try:
        await conn.execute(
            "INSERT INTO community (id, platform, settings, created_at) VALUES ($1, $2, $3, $4)",
            COMMUNITY,
            PLATFORM,
            json.dumps({}),
            naive_utc(START),
        )

        async def commit_one(op: str, statement: str, params: tuple[Any, ...]) -> int:
            started = time.perf_counter()
            async with conn.transaction():
                row_id = await conn.fetchval(statement, *params)
            run.record(op, time.perf_counter() - started)
            return int(row_id or 0)

        started, cpu = time.perf_counter(), time.process_time()
        await raw_workload(posts, POSTGRES_SQL, commit_one, naive_utc)
        run.wall_s = time.perf_counter() - started
        run.cpu_s = time.process_time() - cpu
    finally:
        await conn.close()
    return run


def run_replay(path: Path, writes: list[Write]) -> Run:
    """The core's own rows, each committed alone: the cost of the data without the core."""
    conn = connect_raw(path)
    run = Run()
    try:
        started, cpu = time.perf_counter(), time.process_time()
        for write in writes:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(write.statement, write.params).fetchall()
            conn.execute("COMMIT")
        run.wall_s = time.perf_counter() - started
        run.cpu_s = time.process_time() - cpu
    finally:
        conn.close()
    return run


# --- checks and report --------------------------------------------------------------------------


def count_rows(path: Path) -> tuple[int, int, int]:
    """(posts with a thread, replies, replies marked best) actually in the file."""
    conn = sqlite3.connect(path)
    try:
        posts = conn.execute("SELECT count(*) FROM setback WHERE thread_ref IS NOT NULL")
        replies = conn.execute("SELECT count(*) FROM reply")
        marked = conn.execute("SELECT count(*) FROM reply WHERE best_marked_at IS NOT NULL")
        return posts.fetchone()[0], replies.fetchone()[0], marked.fetchone()[0]
    finally:
        conn.close()


def check_rows(path: Path, side: str, posts: int) -> None:
    expected = (posts, posts * REPLIES_PER_POST, posts)
    found = count_rows(path)
    if found != expected:
        raise RuntimeError(f"{side}: expected (posts, replies, marks) {expected}, found {found}")


async def sqlite_round(folder: Path, k: int, posts: int) -> Round:
    """The core, then one row per op with sqlite3, each on a fresh file in `folder`."""
    core_path, raw_path = folder / f"core-{k}.db", folder / f"raw-{k}.db"
    core = (await drive(f"sqlite+aiosqlite:///{core_path}", posts, capture=False)).run
    check_rows(core_path, "core", posts)
    await create_schema(raw_path)
    raw = await run_raw(raw_path, posts)
    check_rows(raw_path, "raw", posts)
    return Round(core, raw)


async def run(
    quick: bool = False,
    posts: int | None = None,
    workdir: Path | None = None,
    postgres: bool = False,
) -> BenchResult:
    """Run both sides on fresh files in a temporary directory (under `workdir` if given),
    then on PostgreSQL when it is reachable (and `postgres`)."""
    n = posts or (QUICK_POSTS if quick else FULL_POSTS)
    result = BenchResult(NAME, TITLE)
    with tempfile.TemporaryDirectory(prefix="rebound-bench-", dir=workdir) as tmp:
        folder = Path(tmp)
        # Memory first, while the process is fresh, and without the capture (whose copies
        # of every row are the benchmark's memory, not the core's).
        memory = await drive(f"sqlite+aiosqlite:///{folder / 'memory.db'}", n, capture=False)
        # The rows for the replay come from a run with the capture; the times from runs
        # without it (the capture's copy of every statement is the benchmark's work).
        captured = await drive(f"sqlite+aiosqlite:///{folder / 'captured.db'}", n, capture=True)
        writes = captured.writes
        rounds = [await sqlite_round(folder, k, n) for k in range(rounds_of(n))]
        replay_path = folder / "replay.db"
        await create_schema(replay_path)
        same_rows = await asyncio.to_thread(run_replay, replay_path, writes)
        check_rows(replay_path, "same rows", n)

    core, raw = (chosen := median_round(rounds)).core, chosen.raw
    ops = core.ops()
    same_rows.ops_override = ops
    core_rate, same_rate, raw_rate = core.per_second(), same_rows.per_second(), raw.per_second()
    ratio = 100 * core_rate / same_rate if same_rate else 0.0
    strict = chosen.ratio()
    result.add("core ops/s", core_rate, "ops/s", key=True)
    result.add("raw same rows ops/s", same_rate, "ops/s", key=True)
    result.add("core/raw same rows", ratio, "%", Goal(">=", RATIO_GOAL_PERCENT))
    result.add("raw one row per op ops/s", raw_rate, "ops/s", key=True)
    result.add("core/raw one row per op", strict, "%", Goal(">=", RATIO_GOAL_PERCENT))
    add_cpu(result, "", core, {"raw same rows": same_rows, "raw one row per op": raw})
    result.add("rows written per op", len([w for w in writes if w.op]) / ops, "rows")
    add_statements(result, captured)
    add_latencies(result, core, raw)
    add_memory(result, memory)
    add_rounds(result, "", rounds)
    result.notes += [
        f"workload: {n} posts x ({REPLIES_PER_POST} replies + 1 mark) = {ops} ops per side; "
        f"core {core.wall_s:.2f} s, raw {raw.wall_s:.2f} s",
        f"core and raw one row per op: {len(rounds)} round(s), each the core then the raw "
        "side on fresh files; the figures are the round with the median ratio",
        "core: timed on runs of its own without the statement capture (another run with it "
        "gives the rows for the same-rows replay)",
        "a core post is the form opened (CommandInvoked) and submitted (FormSubmitted), "
        "timed together in ops/s; its latency rows split the two",
        "raw same rows: the core's own INSERT/UPDATE statements replayed with sqlite3, one row "
        "per BEGIN IMMEDIATE/COMMIT (the goal's baseline)",
        "raw one row per op: one INSERT per post and per reply, one UPDATE per mark; same "
        "schema and pragmas everywhere (WAL, synchronous=FULL)",
        "CPU per op is process time (time.process_time) over the ops: on a shared machine it "
        "is the fairer measure; a wall ratio also carries the disk's fsync time",
        "statements and commits per op: counted in the run with the capture (BEGIN and "
        "COMMIT aside); a synced commit is one made at synchronous=FULL",
        "RSS: a first run of the same workload without the statement capture, in the fresh "
        "process, sampled after 100 events and after the last",
    ]
    if postgres:
        await add_postgres(result, min(n, POSTGRES_POSTS))
    return result


def add_cpu(result: BenchResult, prefix: str, core: Run, baselines: dict[str, Run]) -> None:
    """CPU and wall time per op of the core and each baseline, and the CPU ratios."""
    result.add(f"{prefix}core CPU per op", core.cpu_ms_per_op(), "ms", key=True)
    result.add(f"{prefix}core wall per op", core.wall_ms_per_op(), "ms")
    for name, base in baselines.items():
        result.add(f"{prefix}{name} CPU per op", base.cpu_ms_per_op(), "ms", key=True)
        result.add(f"{prefix}{name} wall per op", base.wall_ms_per_op(), "ms")
        share = 100 * base.cpu_ms_per_op() / core.cpu_ms_per_op() if core.cpu_s else 0.0
        result.add(f"{prefix}core/{name} by CPU", share, "%", key=True)


def add_statements(result: BenchResult, captured: CoreDriver) -> None:
    """SQL statements, commits and synced commits per post (the form opened and
    submitted), per reply and per mark, from the run with the capture."""
    for op in (POST, REPLY, MARK):
        count = len(captured.run.latencies.get(op, []))
        if not count:
            continue
        result.add(f"statements per {op}", captured.statements[op] / count, "stmts")
        result.add(f"commits per {op}", captured.commits[op] / count, "commits")
        result.add(f"synced commits per {op}", captured.synced_commits[op] / count, "commits")
    ops = captured.run.ops()
    result.add("statements per op", sum(captured.statements.values()) / ops, "stmts")
    result.add("synced commits per op", sum(captured.synced_commits.values()) / ops, "commits")


def add_latencies(result: BenchResult, core: Run, raw: Run, prefix: str = "") -> None:
    for side, measured in (("core", core), ("raw", raw)):
        for op in (OPEN_FORM, POST, REPLY, MARK):
            samples = measured.latencies.get(op)
            if not samples:
                continue
            result.add(f"{prefix}{side} {op} p50", 1000 * percentile(samples, 50), "ms")
            result.add(f"{prefix}{side} {op} p99", 1000 * percentile(samples, 99), "ms")


def add_memory(result: BenchResult, driver: CoreDriver) -> None:
    """Resident memory after the first events and after all of them (nothing may grow
    without bound: settings, content, pacing state)."""
    early, last = driver.rss_at.get(RSS_EARLY_EVENTS), max(driver.rss_at)
    if early is None or not early:
        result.notes.append(f"memory: fewer than {RSS_EARLY_EVENTS} events, not compared")
        return
    result.add(f"RSS after {RSS_EARLY_EVENTS} events", early / 2**20, "MiB")
    result.add(f"RSS after {last:,} events", driver.rss_at[last] / 2**20, "MiB")
    result.add(
        f"RSS {last:,} / {RSS_EARLY_EVENTS} events",
        driver.rss_at[last] / early,
        "x",
        Goal("<=", RSS_GOAL_RATIO),
    )


def rounds_of(posts: int) -> int:
    return QUICK_ROUNDS if posts <= QUICK_POSTS else ROUNDS


async def postgres_round(base: URL, posts: int) -> Round:
    """The core, then one row per op with asyncpg, each on a scratch database."""
    async with scratch_postgres(base) as url:
        core = (await drive(url.render_as_string(hide_password=False), posts, capture=False)).run
    async with scratch_postgres(base) as url:
        engine = create_engine(url.render_as_string(hide_password=False))
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()
        raw = await run_raw_postgres(asyncpg_dsn(url), posts)
    return Round(core, raw)


async def add_postgres(result: BenchResult, posts: int) -> None:
    """The same workload on PostgreSQL against raw asyncpg single-row commits."""
    base = postgres_base_url()
    why = await postgres_unreachable(base)
    if why is not None:
        result.notes.append(f"PostgreSQL skipped ({why})")
        return
    rounds = [await postgres_round(base, posts) for _ in range(rounds_of(posts))]
    core, raw = (chosen := median_round(rounds)).core, chosen.raw
    result.add("pg: core ops/s", core.per_second(), "ops/s", key=True)
    result.add("pg: raw one row per op ops/s", raw.per_second(), "ops/s", key=True)
    result.add(
        "pg: core/raw one row per op",
        chosen.ratio(),
        "%",
        Goal(">=", POSTGRES_RATIO_GOAL_PERCENT),
    )
    add_cpu(result, "pg: ", core, {"raw one row per op": raw})
    add_latencies(result, core, raw, prefix="pg: ")
    add_rounds(result, "pg: ", rounds)
    result.notes.append(
        f"pg: the workload's first {posts} posts on a scratch PostgreSQL database; raw is "
        "asyncpg, one INSERT per post and per reply and one UPDATE per mark, each in its own "
        "transaction"
    )
