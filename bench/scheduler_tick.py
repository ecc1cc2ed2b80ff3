"""Scheduler tick time with a million future follow-ups and a thousand due ones.

The schema comes from the product's migrations; the rows are bulk-loaded around the store
(raw sqlite3 `executemany` / asyncpg `COPY`, in big transactions), then the real core runs:

* (a) empty ticks: nothing is due, every pending row lies in the future, so a tick is the
  claim statement alone;
* (b) ticks over the due rows with the real `Scheduler` (its default batch of 20): each due row is
  an OUTCOME_ASK of an open post, so every one of them is planned, sent to an in-memory
  outbox and marked done;
* (c) empty ticks again, once the due rows are done.

The same ticks run on a second database with 1,000 future rows, the two taken in turns one
tick at a time (so the machine's drift weighs on both alike): the growth goal compares their
median tick's CPU time. A mean also carries the process's full garbage collections (about
100 ms each here, seen with `gc.callbacks`), which land in whichever tick is running.

The claim statement (captured from the core as it runs) is explained once, to show whether
the partial index `ix_follow_up_pending_due` is used. PostgreSQL runs too when a server is
reachable (`REBOUND_TEST_POSTGRES_URL`, default postgres@127.0.0.1:5432/test), in a scratch
database that is dropped afterwards.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import event
from sqlalchemy.engine import URL, Dialect, Engine
from sqlalchemy.ext.asyncio import AsyncEngine

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
from bot.contract.ports import Outbox
from bot.domain.model import CommunitySettings, FollowUpKind
from bot.engine.bootstrap import build_rebound
from bot.engine.runtime import Rebound
from bot.engine.scheduler import BATCH
from bot.store.engine import create_engine
from bot.store.migrate import upgrade
from bot.store.statements import FOLLOW_UP

NAME = "scheduler_tick"

FULL_FUTURE = 1_000_000
QUICK_FUTURE = 10_000
DUE = 1_000
QUICK_DUE = 200
EMPTY_TICKS = 30
QUICK_EMPTY_TICKS = 5
TICK_GOAL_MS = 20.0
SMALL_FUTURE = 1_000  # the same ticks with few stored rows, for the growth ratio
GROWTH_GOAL_RATIO = 1.2
CHUNK = 50_000
INDEX = "ix_follow_up_pending_due"

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
COMMUNITY = "console:bench"
PLATFORM = "console"
PLATFORMS = frozenset({PLATFORM})
# Every setback carries one follow-up of each kind, so future rows need a quarter as many.
FUTURE_KINDS = (
    FollowUpKind.UNANSWERED_NUDGE,
    FollowUpKind.BEST_REMINDER,
    FollowUpKind.OUTCOME_ASK,
    FollowUpKind.CLOSE,
)

SETBACK_COLUMNS = (
    "id",
    "community_id",
    "poster_id",
    "poster_name",
    "anonymous",
    "pseudonym",
    "title",
    "body",
    "stage",
    "kind",
    "tags",
    "source",
    "channel_id",
    "thread_ref",
    "status_message_ref",
    "created_at",
    "last_activity_at",
    "outcome_ask_at",
    "closed_at",
    "stop_asking",
    "still_waiting_count",
)
FOLLOW_UP_COLUMNS = (
    "id",
    "community_id",
    "platform",
    "setback_id",
    "kind",
    "due_at",
    "done_at",
    "lease_owner",
    "lease_until",
    "attempts",
)


@dataclass(frozen=True)
class Sizes:
    future: int
    due: int
    empty_ticks: int

    @property
    def future_setbacks(self) -> int:
        return -(-self.future // len(FUTURE_KINDS))


# --- rows -------------------------------------------------------------------------------------


class Rows:
    """The bulk rows, with datetimes converted exactly as the store converts them."""

    def __init__(self, sizes: Sizes, dialect: Dialect) -> None:
        self.sizes = sizes
        processor = FOLLOW_UP.c.due_at.type.bind_processor(dialect)
        self._when: Callable[[datetime], Any] = processor or (lambda value: value)

    def community(self) -> tuple[Any, ...]:
        settings = json.dumps(asdict(CommunitySettings()))
        return (COMMUNITY, PLATFORM, settings, self._when(NOW - timedelta(days=400)))

    def setbacks(self) -> Iterator[tuple[Any, ...]]:
        """Setbacks 1..due are the due posts; the rest carry the future follow-ups."""
        created = self._when(NOW - timedelta(days=20))
        ask = self._when(NOW - timedelta(hours=1))
        tags = json.dumps(["backend"])
        for setback_id in range(1, self.sizes.due + self.sizes.future_setbacks + 1):
            poster = f"U-poster-{setback_id % 997}"
            ref = f"thread-{setback_id}"
            yield (
                setback_id,
                COMMUNITY,
                poster,
                "Poster",
                False,
                f"pseudonym {setback_id}",
                f"Post {setback_id}",
                "It went badly.",
                "panel",
                "rejected",
                tags,
                "form",
                "support",
                ref,
                ref,
                created,
                created,
                ask,
                None,
                False,
                0,
            )

    def follow_ups(self) -> Iterator[tuple[Any, ...]]:
        """Due rows first (due in the last `due` seconds), then the future ones (1 h to ~60 d)."""
        follow_up_id = 0
        for setback_id in range(1, self.sizes.due + 1):
            follow_up_id += 1
            due_at = self._when(NOW - timedelta(seconds=self.sizes.due - setback_id + 1))
            yield self._follow_up(follow_up_id, setback_id, FollowUpKind.OUTCOME_ASK, due_at)
        step = timedelta(days=60) / max(self.sizes.future, 1)
        for n in range(self.sizes.future):
            follow_up_id += 1
            setback_id = self.sizes.due + 1 + n // len(FUTURE_KINDS)
            kind = FUTURE_KINDS[n % len(FUTURE_KINDS)]
            due_at = self._when(NOW + timedelta(hours=1) + step * n)
            yield self._follow_up(follow_up_id, setback_id, kind, due_at)

    @staticmethod
    def _follow_up(
        follow_up_id: int, setback_id: int, kind: FollowUpKind, due_at: Any
    ) -> tuple[Any, ...]:
        return (
            follow_up_id,
            COMMUNITY,
            PLATFORM,
            setback_id,
            kind.value,
            due_at,
            None,
            None,
            None,
            0,
        )


def chunks(rows: Iterator[tuple[Any, ...]], size: int = CHUNK) -> Iterator[list[tuple[Any, ...]]]:
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    marks = ", ".join("?" for _ in columns)
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"


def load_sqlite(path: Path, rows: Rows) -> None:
    """Bulk-load with the standard library: executemany, one transaction per chunk."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("BEGIN")
        conn.execute(
            "INSERT INTO community (id, platform, settings, created_at) VALUES (?, ?, ?, ?)",
            rows.community(),
        )
        conn.execute("COMMIT")
        for table, columns, source in (
            ("setback", SETBACK_COLUMNS, rows.setbacks()),
            ("follow_up", FOLLOW_UP_COLUMNS, rows.follow_ups()),
        ):
            statement = _insert_sql(table, columns)
            for chunk in chunks(source):
                conn.execute("BEGIN")
                conn.executemany(statement, chunk)
                conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


async def load_postgres(url: URL, rows: Rows) -> None:
    """Bulk-load with COPY, then fix the id sequences and ANALYZE (as autovacuum would)."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.execute(
            "INSERT INTO community (id, platform, settings, created_at) VALUES ($1, $2, $3, $4)",
            *rows.community(),
        )
        for table, columns, source in (
            ("setback", SETBACK_COLUMNS, rows.setbacks()),
            ("follow_up", FOLLOW_UP_COLUMNS, rows.follow_ups()),
        ):
            for chunk in chunks(source, 200_000):
                await conn.copy_records_to_table(table, records=chunk, columns=list(columns))
            await conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


# --- measuring --------------------------------------------------------------------------------


@dataclass
class Captured:
    """The claim statement as the core sent it to the driver, for EXPLAIN."""

    sql: str | None = None
    params: Any = None


def capture_claim(engine: Engine) -> Captured:
    captured = Captured()

    @event.listens_for(engine, "before_cursor_execute")
    def _before(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool
    ) -> None:
        text = " ".join(statement.split()).upper()
        if captured.sql is None and text.startswith("UPDATE FOLLOW_UP") and "RETURNING" in text:
            captured.sql, captured.params = statement, parameters

    return captured


async def explain_claim(engine: AsyncEngine, captured: Captured) -> tuple[bool | None, str]:
    """(whether the plan uses the partial index, the plan as text); None if not explained."""
    if captured.sql is None:
        return None, "claim statement not captured"
    sqlite = engine.dialect.name == "sqlite"
    prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
    try:
        async with engine.connect() as conn:
            result = await conn.exec_driver_sql(prefix + captured.sql, captured.params)
            rows = result.all()
            await conn.rollback()
    except Exception as exc:  # a plan is information, not a reason to fail the benchmark
        return None, f"EXPLAIN failed: {type(exc).__name__}: {exc}"
    lines = [str(row[-1]) for row in rows]
    return any(INDEX in line for line in lines), "\n".join(lines)


@dataclass
class Backend:
    """What one database measured."""

    name: str
    load_s: float = 0.0
    empty_before_ms: list[float] = field(default_factory=list)
    due_tick_ms: list[float] = field(default_factory=list)
    due_tick_cpu_ms: list[float] = field(default_factory=list)
    empty_after_ms: list[float] = field(default_factory=list)
    fired: int = 0
    index_used: bool | None = None
    plan: str = ""


async def timed_tick(
    core: Rebound, outbox_for: Callable[[str], Outbox | None], cpu: list[float] | None = None
) -> tuple[float, int]:
    started, cpu_started = time.perf_counter(), time.process_time()
    fired = await core.tick(outbox_for, PLATFORMS)
    if cpu is not None:
        cpu.append(1000 * (time.process_time() - cpu_started))
    return 1000 * (time.perf_counter() - started), fired


class Ticking:
    """Ticks on a loaded database with the real core: empty ticks first, then due ticks one
    at a time (so two databases' can be taken in turns), then empty ticks again."""

    def __init__(self, url: str, name: str, sizes: Sizes) -> None:
        self.url, self.sizes = url, sizes
        self.backend = Backend(name)
        self.clock = ManualClock(NOW - timedelta(minutes=30))  # before the first due row
        self.outbox = CountingOutbox()
        self.done = False

    def outbox_for(self, _community: str) -> Outbox:
        return self.outbox

    async def start(self) -> None:
        worker = "bench-scheduler"
        self.core = await build_rebound(self.url, self.clock, migrate=False, worker=worker)
        self.captured = capture_claim(self.core.store.sync_engine)
        for _ in range(self.sizes.empty_ticks):
            ms, fired = await timed_tick(self.core, self.outbox_for)
            self.backend.empty_before_ms.append(ms)
            self.backend.fired += fired
        self.clock.advance(timedelta(minutes=30))  # now every due row is due

    async def due_tick(self) -> None:
        """One tick firing what is due; `done` once a tick claims nothing."""
        backend = self.backend
        ms, fired = await timed_tick(self.core, self.outbox_for, backend.due_tick_cpu_ms)
        if self.core.scheduler.last_claimed == 0:
            backend.due_tick_cpu_ms.pop()
            self.done = True
            return
        backend.due_tick_ms.append(ms)
        backend.fired += fired

    async def finish(self) -> Backend:
        backend = self.backend
        try:
            for _ in range(self.sizes.empty_ticks):
                ms, fired = await timed_tick(self.core, self.outbox_for)
                backend.empty_after_ms.append(ms)
                backend.fired += fired
            backend.index_used, backend.plan = await explain_claim(
                self.core.store.engine, self.captured
            )
        finally:
            await self.core.close()
        if backend.fired != self.sizes.due:
            raise RuntimeError(
                f"{backend.name}: expected {self.sizes.due} follow-ups fired, got {backend.fired}"
            )
        return backend


async def in_turns(*runs: Ticking) -> list[Backend]:
    """The runs' due ticks taken in turns, one of each at a time, so a machine that slows
    down or speeds up during the measurement weighs on each run alike."""
    for run in runs:
        await run.start()
    while not all(run.done for run in runs):
        for run in runs:
            if not run.done:
                await run.due_tick()
    return [await run.finish() for run in runs]


async def migrate(url: str) -> Dialect:
    engine = create_engine(url)
    try:
        await upgrade(engine)
        return engine.dialect
    finally:
        await engine.dispose()


async def on_sqlite(many: Sizes, few: Sizes, workdir: Path | None) -> list[Backend]:
    """Both sizes loaded, then ticked in turns."""
    with tempfile.TemporaryDirectory(prefix="rebound-bench-", dir=workdir) as tmp:
        runs = []
        for sizes, name in ((many, "many.db"), (few, "few.db")):
            path = Path(tmp) / name
            url = f"sqlite+aiosqlite:///{path}"
            dialect = await migrate(url)
            started = time.perf_counter()
            load_sqlite(path, Rows(sizes, dialect))
            run = Ticking(url, "SQLite", sizes)
            run.backend.load_s = time.perf_counter() - started
            runs.append(run)
        return await in_turns(*runs)


async def on_postgres(many: Sizes, few: Sizes, base: URL) -> list[Backend]:
    """Both sizes loaded (each on a scratch database), then ticked in turns."""
    async with scratch_postgres(base) as many_url, scratch_postgres(base) as few_url:
        runs = []
        for sizes, url in ((many, many_url), (few, few_url)):
            shown = url.render_as_string(hide_password=False)
            dialect = await migrate(shown)
            started = time.perf_counter()
            await load_postgres(url, Rows(sizes, dialect))
            run = Ticking(shown, "PostgreSQL", sizes)
            run.backend.load_s = time.perf_counter() - started
            runs.append(run)
        return await in_turns(*runs)


def report(result: BenchResult, backend: Backend, sizes: Sizes) -> None:
    tag = backend.name
    goal = Goal("<=", TICK_GOAL_MS)
    ticks = len(backend.due_tick_ms)
    mean_tick = sum(backend.due_tick_ms) / ticks if ticks else 0.0
    fired_ms = sum(backend.due_tick_ms) / backend.fired if backend.fired else 0.0
    result.add(
        f"{tag} empty tick p50 (claim only)", percentile(backend.empty_before_ms, 50), "ms", goal
    )
    result.add(f"{tag} empty tick max", max(backend.empty_before_ms, default=0.0), "ms")
    result.add(f"{tag} tick firing {BATCH} (mean of {ticks})", mean_tick, "ms", goal)
    result.add(f"{tag} tick firing {BATCH} max", max(backend.due_tick_ms, default=0.0), "ms")
    result.add(f"{tag} per fired follow-up", fired_ms, "ms", key=True)
    result.add(f"{tag} empty tick p50 after firing", percentile(backend.empty_after_ms, 50), "ms")
    result.add(f"{tag} bulk load", backend.load_s, "s")
    verdict = {True: "USED", False: "NOT USED", None: "unknown"}[backend.index_used]
    result.notes.append(
        f"{tag}: partial index {INDEX} {verdict} by the claim; plan:\n{backend.plan}"
    )
    result.notes.append(
        f"{tag}: {sizes.future:,} future + {sizes.due:,} due follow-ups; "
        f"{backend.fired} fired in {ticks} ticks"
    )


async def run(
    quick: bool = False,
    future: int | None = None,
    postgres: bool = True,
    workdir: Path | None = None,
) -> BenchResult:
    sizes = Sizes(
        future=future if future is not None else (QUICK_FUTURE if quick else FULL_FUTURE),
        due=QUICK_DUE if quick else DUE,
        empty_ticks=QUICK_EMPTY_TICKS if quick else EMPTY_TICKS,
    )
    title = f"Scheduler tick: {sizes.due:,} due follow-ups among {sizes.future:,} future ones"
    result = BenchResult(NAME, title)
    few = replace(sizes, future=min(SMALL_FUTURE, sizes.future))
    large, small = await on_sqlite(sizes, few, workdir)
    report(result, large, sizes)
    compare(result, large, small, sizes, few)
    if not postgres:
        result.notes.append("PostgreSQL SKIPPED: not requested")
        return result
    base = postgres_base_url()
    why = await postgres_unreachable(base)
    if why is not None:
        shown = base.render_as_string(hide_password=True)
        result.notes.append(f"PostgreSQL SKIPPED: not reachable at {shown} ({why})")
        return result
    large, small = await on_postgres(sizes, few, base)
    report(result, large, sizes)
    compare(result, large, small, sizes, few)
    return result


def compare(result: BenchResult, large: Backend, small: Backend, sizes: Sizes, few: Sizes) -> None:
    """A tick's cost grows with what is due, not with what is stored: the same ticks with
    few future rows, ticked in turns. The goal is on the median tick's CPU time (which the
    machine's other load disturbs least): one tick stalled by the machine moves a mean by
    its share, which is not what is stored; the means are printed beside it."""

    def mean(samples: list[float]) -> float:
        return sum(samples) / len(samples) if samples else 0.0

    def ratio(big: float, small: float) -> float:
        return big / small if small else 0.0

    tag, many, some = large.name, f"{sizes.future:,}", f"{few.future:,}"
    big_cpu, small_cpu = (percentile(b.due_tick_cpu_ms, 50) for b in (large, small))
    result.add(f"{tag} tick firing {BATCH} CPU p50, {many} future", big_cpu, "ms", key=True)
    result.add(f"{tag} tick firing {BATCH} CPU p50, {some} future", small_cpu, "ms", key=True)
    result.add(
        f"{tag} tick CPU p50 {many} / {some} future",
        ratio(big_cpu, small_cpu),
        "x",
        Goal("<=", GROWTH_GOAL_RATIO),
    )
    means = ratio(mean(large.due_tick_cpu_ms), mean(small.due_tick_cpu_ms))
    result.add(f"{tag} tick CPU mean {many} / {some} future", means, "x")
    walls = ratio(percentile(large.due_tick_ms, 50), percentile(small.due_tick_ms, 50))
    result.add(f"{tag} tick wall p50 {many} / {some} future", walls, "x")
