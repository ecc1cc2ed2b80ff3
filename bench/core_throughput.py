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

The goal (core throughput >= 25% of raw single-row commits of the same rows) is in the
issue tracker.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects import sqlite as sqlite_dialect

from bench.common import BenchResult, CountingOutbox, Goal, percentile
from bot.bootstrap import build_rebound
from bot.clock import ManualClock
from bot.domain.model import CommunitySettings, Member
from bot.events import CommandInvoked, FormSubmitted, MessageActionInvoked, MessagePosted
from bot.intents import Intent, OpenForm, RejectForm
from bot.runtime import Rebound
from bot.store.engine import SQLITE_BUSY_TIMEOUT_MS, create_engine
from bot.store.migrate import upgrade
from bot.store.statements import SETBACK

NAME = "core_throughput"
TITLE = "Core throughput (SQLite file): Rebound.handle vs raw sqlite3 single-row commits"

FULL_POSTS = 800
QUICK_POSTS = 4
REPLIES_PER_POST = 3
RATIO_GOAL_PERCENT = 25.0

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
        if statement.lstrip().split(None, 1)[0].upper() not in {"INSERT", "UPDATE", "DELETE"}:
            return
        # An executemany is one row per parameter set; a batched multi-VALUES insert stays
        # one statement (replaying it as one commit only flatters the raw side).
        many = executemany and parameters and isinstance(parameters[0], tuple | list)
        for row in parameters if many else [parameters]:
            self.writes.append(Write(self._op, statement, tuple(row)))

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
        return intents

    async def setup(self) -> None:
        self._core = await build_rebound(self.url, self.clock, worker="bench")
        event.listen(self._core.store.engine.sync_engine, "before_cursor_execute", self._capture)
        settings = CommunitySettings(helpers_channel="helpers")
        await self._core.ensure_community(COMMUNITY, PLATFORM, settings)

    @property
    def core(self) -> Rebound:
        return self._core

    async def close(self) -> None:
        await self._core.close()

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


@dataclass(frozen=True)
class Write:
    """One row written by the core: the operation it belonged to, its SQL and parameters."""

    op: str | None
    statement: str
    params: tuple[Any, ...]


async def run_core(
    path: Path, posts: int, prepare: Callable[[Rebound], None] | None = None
) -> tuple[Run, list[Write]]:
    """The workload on a fresh core; `prepare` sees the core before the first event."""
    driver = CoreDriver(f"sqlite+aiosqlite:///{path}")
    await driver.setup()
    if prepare is not None:
        prepare(driver.core)
    try:
        started = time.perf_counter()
        for i in range(posts):
            thread_ref = await driver.post(i)
            for j in range(REPLIES_PER_POST):
                await driver.reply(i, j, thread_ref)
            await driver.mark(i)
        driver.run.wall_s = time.perf_counter() - started
    finally:
        await driver.close()
    return driver.run, driver.writes


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


def run_raw(path: Path, posts: int) -> Run:
    sql_time = datetime_to_sql()
    conn = connect_raw(path)
    run = Run()
    now = START
    try:
        conn.execute(
            "INSERT INTO community (id, platform, settings, created_at) VALUES (?, ?, ?, ?)",
            (COMMUNITY, PLATFORM, json.dumps({}), sql_time(now)),
        )

        def commit_one(op: str, statement: str, params: tuple[Any, ...]) -> int:
            started = time.perf_counter()
            conn.execute("BEGIN IMMEDIATE")
            row_id = conn.execute(statement, params).lastrowid
            conn.execute("COMMIT")
            run.record(op, time.perf_counter() - started)
            return row_id or 0

        started = time.perf_counter()
        for i in range(posts):
            now += timedelta(seconds=2)
            member, values = poster(i), form_values(i)
            thread_ref = f"out-{i}"
            setback_id = commit_one(
                POST,
                INSERT_SETBACK,
                (
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
                    sql_time(now),
                    sql_time(now),
                    sql_time(now + timedelta(days=14)),
                ),
            )
            first_reply = 0
            for j in range(REPLIES_PER_POST):
                now += timedelta(seconds=1)
                author = helper(i, j)
                params = (
                    COMMUNITY,
                    setback_id,
                    author.user_id,
                    author.display_name,
                    REPLY_TEXT.format(n=j),
                    reply_ref(i, j),
                    sql_time(now),
                )
                reply_id = commit_one(REPLY, INSERT_REPLY, params)
                first_reply = first_reply or reply_id
            now += timedelta(seconds=1)
            commit_one(MARK, MARK_REPLY, (sql_time(now), member.user_id, first_reply))
        run.wall_s = time.perf_counter() - started
    finally:
        conn.close()
    return run


def run_replay(path: Path, writes: list[Write]) -> Run:
    """The core's own rows, each committed alone: the cost of the data without the core."""
    conn = connect_raw(path)
    run = Run()
    try:
        started = time.perf_counter()
        for write in writes:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(write.statement, write.params).fetchall()
            conn.execute("COMMIT")
        run.wall_s = time.perf_counter() - started
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


async def run(
    quick: bool = False, posts: int | None = None, workdir: Path | None = None
) -> BenchResult:
    """Run both sides on fresh files in a temporary directory (under `workdir` if given)."""
    n = posts or (QUICK_POSTS if quick else FULL_POSTS)
    result = BenchResult(NAME, TITLE)
    with tempfile.TemporaryDirectory(prefix="rebound-bench-", dir=workdir) as tmp:
        core_path, raw_path = Path(tmp) / "core.db", Path(tmp) / "raw.db"
        core, writes = await run_core(core_path, n)
        check_rows(core_path, "core", n)
        replay_path = Path(tmp) / "replay.db"
        await create_schema(replay_path)
        same_rows = await asyncio.to_thread(run_replay, replay_path, writes)
        check_rows(replay_path, "same rows", n)
        await create_schema(raw_path)
        raw = await asyncio.to_thread(run_raw, raw_path, n)
        check_rows(raw_path, "raw", n)

    ops = core.ops()
    same_rows.ops_override = ops
    core_rate, same_rate, raw_rate = core.per_second(), same_rows.per_second(), raw.per_second()
    ratio = 100 * core_rate / same_rate if same_rate else 0.0
    strict = 100 * core_rate / raw_rate if raw_rate else 0.0
    result.add("core ops/s", core_rate, "ops/s", key=True)
    result.add("raw same rows ops/s", same_rate, "ops/s", key=True)
    result.add("core/raw same rows", ratio, "%", Goal(">=", RATIO_GOAL_PERCENT))
    result.add("raw one row per op ops/s", raw_rate, "ops/s")
    result.add("core/raw one row per op", strict, "%")
    result.add("rows written per op", len([w for w in writes if w.op]) / ops, "rows")
    for side, measured in (("core", core), ("raw", raw)):
        for op in (OPEN_FORM, POST, REPLY, MARK):
            samples = measured.latencies.get(op)
            if not samples:
                continue
            result.add(f"{side} {op} p50", 1000 * percentile(samples, 50), "ms")
            result.add(f"{side} {op} p99", 1000 * percentile(samples, 99), "ms")
    result.notes += [
        f"workload: {n} posts x ({REPLIES_PER_POST} replies + 1 mark) = {ops} ops per side; "
        f"core {core.wall_s:.2f} s, raw {raw.wall_s:.2f} s",
        "a core post is the form opened (CommandInvoked) and submitted (FormSubmitted), "
        "timed together in ops/s; its latency rows split the two",
        "raw same rows: the core's own INSERT/UPDATE statements replayed with sqlite3, one row "
        "per BEGIN IMMEDIATE/COMMIT (the goal's baseline)",
        "raw one row per op: one INSERT per post and per reply, one UPDATE per mark; same "
        "schema and pragmas everywhere (WAL, synchronous=FULL)",
    ]
    return result
