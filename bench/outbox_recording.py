"""Recording deliveries row by row versus in one batch, per fired follow-up, on SQLite.

The same due outcome asks (bulk-loaded as in `scheduler_tick`) are fired through the real
core three ways, each on a fresh copy of the database, in one run:

* per row (the product): each outbox row is recorded, with what it tracks, in its own
  transaction the moment the outbox confirms it (rows just stored by the same worker need
  no claim of their own before the call); that commit does not wait for the disk (a power
  cut that undoes it leaves the row marked attempted, looked for before any new try);
* batch (what it replaced): every intent of the batch delivered, then one transaction
  marks them all delivered;
* raw (the baseline): one `INSERT` per `BEGIN IMMEDIATE ... COMMIT` through sqlite3, with
  the product's pragmas (WAL, synchronous=FULL).

Reported: wall and CPU time (`time.process_time`) per fired follow-up, per-row / batch, and
per-row CPU over the raw commit's CPU (goal <= 4x, from the core-speed issue).
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import bindparam, update

from bench.common import BenchResult, CountingOutbox, Goal
from bench.scheduler_tick import NOW, PLATFORMS, Rows, Sizes, load_sqlite, migrate
from bot.common.clock import ManualClock
from bot.contract.intents import Intent
from bot.contract.ports import Outbox
from bot.engine.bootstrap import build_rebound
from bot.engine.delivery import Pending
from bot.engine.runtime import Rebound
from bot.store.statements import OUTBOUND

NAME = "outbox_recording"
FULL_DUE = 1_000
QUICK_DUE = 100
RAW_COMMITS = 2_000
QUICK_RAW_COMMITS = 200
CPU_GOAL_RATIO = 4.0


@dataclass
class Timing:
    wall_s: float
    cpu_s: float
    fired: int

    def per_fired_ms(self) -> tuple[float, float]:
        return 1000 * self.wall_s / self.fired, 1000 * self.cpu_s / self.fired


async def batch_send(
    core: Rebound, community_id: str, pending: Sequence[Pending], outbox: Outbox
) -> list[Intent]:
    """The recording this change replaced: deliver everything, then mark it all at once."""
    refs: dict[int, str | None] = {}
    sent: list[Intent] = []
    for item in pending:
        made = await outbox.deliver(item.intent)
        sent.append(item.intent)
        if item.row_id is not None:
            refs[item.row_id] = made.message_ref if made else None
    if refs:
        now = core.clock.now()
        statement = (
            update(OUTBOUND)
            .where(OUTBOUND.c.id == bindparam("row_id"))
            .values(delivered_at=now, delivered_ref=bindparam("ref"), lease_until=None)
        )
        async with core.store.engine.begin() as db:
            await db.execute(statement, [{"row_id": k, "ref": v} for k, v in refs.items()])
    return sent


async def fire_all(url: str, *, batch: bool) -> Timing:
    clock = ManualClock(NOW)
    core = await build_rebound(url, clock, migrate=False, worker="bench-outbox")
    if batch:

        async def send(
            community_id: str,
            pending: Sequence[Pending],
            outbox: Outbox,
            owner: str | None = None,
        ) -> list[Intent]:
            return await batch_send(core, community_id, pending, outbox)

        core.kernel.send = send  # type: ignore[method-assign]
    outbox = CountingOutbox()
    fired = 0
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        while (n := await core.tick(lambda _c: outbox, PLATFORMS)) > 0:
            fired += n
        return Timing(time.perf_counter() - wall, time.process_time() - cpu, fired)
    finally:
        await core.close()


def raw_commits(path: Path, count: int) -> Timing:
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("CREATE TABLE raw (id INTEGER PRIMARY KEY, ref TEXT, at TEXT)")
        wall, cpu = time.perf_counter(), time.process_time()
        for n in range(count):
            db.execute("BEGIN IMMEDIATE")
            db.execute("INSERT INTO raw (ref, at) VALUES (?, ?)", (f"out-{n}", "2026-06-01"))
            db.execute("COMMIT")
        return Timing(time.perf_counter() - wall, time.process_time() - cpu, count)
    finally:
        db.close()


async def run(*, quick: bool = False, workdir: Path | None = None) -> BenchResult:
    due = QUICK_DUE if quick else FULL_DUE
    result = BenchResult(NAME, f"Outbox recording per row vs batch: {due:,} fired follow-ups")
    with tempfile.TemporaryDirectory(prefix="rebound-bench-", dir=workdir) as tmp:
        template = Path(tmp) / "template.db"
        dialect = await migrate(f"sqlite+aiosqlite:///{template}")
        load_sqlite(template, Rows(Sizes(future=4, due=due, empty_ticks=0), dialect))
        timings: dict[str, Timing] = {}
        for label, batch in (("per row", False), ("batch", True)):
            copy = Path(tmp) / f"{label.replace(' ', '_')}.db"
            shutil.copyfile(template, copy)
            timings[label] = await fire_all(f"sqlite+aiosqlite:///{copy}", batch=batch)
        raw = raw_commits(Path(tmp) / "raw.db", QUICK_RAW_COMMITS if quick else RAW_COMMITS)
    for label, timing in timings.items():
        if timing.fired == 0:
            raise RuntimeError(f"{label}: nothing was fired")
        wall_ms, cpu_ms = timing.per_fired_ms()
        result.add(f"{label}: wall per fired follow-up", wall_ms, "ms", key=True)
        result.add(f"{label}: CPU per fired follow-up", cpu_ms, "ms", key=True)
    raw_wall, raw_cpu = raw.per_fired_ms()
    result.add("raw single-row commit: wall", raw_wall, "ms")
    result.add("raw single-row commit: CPU", raw_cpu, "ms")
    per_row_wall, per_row_cpu = timings["per row"].per_fired_ms()
    batch_wall, batch_cpu = timings["batch"].per_fired_ms()
    result.add("per row / batch: wall", per_row_wall / batch_wall, "x", key=True)
    result.add("per row / batch: CPU", per_row_cpu / batch_cpu, "x", key=True)
    result.add("per row / raw commit: wall", per_row_wall / raw_wall, "x", key=True)
    result.add("per row / raw commit: CPU", per_row_cpu / raw_cpu, "x", Goal("<=", CPU_GOAL_RATIO))
    result.notes.append(
        "Each fired follow-up here sends one intent (its outcome ask); per-row recording adds "
        "one record transaction per row (a row just stored needs no claim of its own) where "
        "the batch had one for all; the records do not wait for the disk, the claims and the "
        "firing do. Rows retried later add a claim transaction each."
    )
    return result
