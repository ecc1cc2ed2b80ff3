"""What /metrics and logging cost: the same work with them on and off, in the same run.

* Core throughput: the core_throughput workload (posts, replies, marks through
  `Rebound.handle` on a fresh SQLite file), once with the core's recorder off (`NULL`) and
  INFO lines off, once with the Prometheus recorder and one JSON line per event (written to
  /dev/null: the formatting is paid, the disk is not). Rounds alternate the two; the
  figure is the ratio of their median wall times. Goal: <= 1.05.
* Slack ack p99: thread replies dispatched to the real Slack adapter, each sample once
  with metrics and JSON logging and once without, alternating. Goal: p99 ratio <= 1.05.
"""

from __future__ import annotations

import asyncio
import logging
import os
import statistics
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from adapters.ops_logs import JsonFormatter
from adapters.ops_metrics import PrometheusRecorder
from adapters.slack.app import SlackAdapter
from bench.common import BenchResult, Goal, percentile
from bench.core_throughput import run_core
from bench.slack_ack import _a_thread, _drain, _timed
from bench.slack_pacing import FakeInProcess
from bot.common.clock import SystemClock
from bot.engine import metrics
from bot.engine.bootstrap import build_rebound
from bot.engine.runtime import Rebound
from tests.adapters.slack.slack_requests import JSON, SlackRequests
from tests.adapters.slack.workspace import SUPPORT, settings

NAME = "ops_overhead"
TITLE = "Metrics and JSON logging: the same work with and without them"
RATIO_GOAL = 1.05
FULL_ROUNDS, QUICK_ROUNDS = 6, 2
FULL_POSTS, QUICK_POSTS = 60, 2
FULL_SAMPLES, QUICK_SAMPLES = 400, 10
WARMUP = 10


@contextmanager
def observed(on: bool) -> Iterator[None]:
    """INFO lines as JSON to /dev/null while `on`; WARNING and above only otherwise."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    with open(os.devnull, "w") as sink:
        handler = logging.StreamHandler(sink)
        handler.setFormatter(JsonFormatter())
        root.handlers = [handler]  # the JSON line alone, as in production
        root.setLevel(logging.INFO if on else logging.WARNING)
        try:
            yield
        finally:
            root.handlers = handlers
            root.setLevel(level)


def recorder_setter(on: bool) -> Callable[[Rebound], None]:
    def prepare(core: Rebound) -> None:
        core.metrics = PrometheusRecorder() if on else metrics.NULL

    return prepare


async def core_ratio(result: BenchResult, rounds: int, posts: int, workdir: Path | None) -> None:
    walls: dict[bool, list[float]] = {True: [], False: []}
    with tempfile.TemporaryDirectory(prefix="rebound-bench-", dir=workdir) as folder:
        for n in range(rounds):
            for on in (n % 2 == 0, n % 2 != 0):  # alternate which goes first
                with observed(on):
                    run, _ = await run_core(
                        Path(folder) / f"core-{n}-{on}.db", posts, recorder_setter(on)
                    )
                walls[on].append(run.wall_s)
    with_ops, without = statistics.median(walls[True]), statistics.median(walls[False])
    result.add("core wall, without", without, "s")
    result.add("core wall, with metrics+json logs", with_ops, "s")
    result.add("core with/without", with_ops / without, "x", Goal("<=", RATIO_GOAL))


async def ack_ratio(result: BenchResult, samples: int, workdir: Path | None) -> None:
    fake = FakeInProcess(rate=1_000_000, users=[f"U{n}" for n in range(20)] + ["U0POSTER"])
    api_url = await asyncio.to_thread(fake.start)
    requests = SlackRequests()
    timings: dict[bool, list[float]] = {True: [], False: []}
    with tempfile.TemporaryDirectory(prefix="rebound-bench-", dir=workdir) as folder:
        core = await build_rebound(f"sqlite+aiosqlite:///{Path(folder) / 'ack.db'}", SystemClock())
        adapter = SlackAdapter(settings(api_url), core)
        recorder = adapter.ops.recorder
        try:
            await adapter.start()
            thread = await _a_thread(adapter, requests)
            before = asyncio.all_tasks()
            for n in range(WARMUP + samples):
                for on in (n % 2 == 0, n % 2 != 0):
                    core.metrics = recorder if on else metrics.NULL
                    message = requests.message(
                        f"U{n % 20}", "Ask them.", SUPPORT, ts=requests.next_ts(), thread_ts=thread
                    )
                    with observed(on):
                        elapsed = await _timed(
                            adapter.app,
                            requests,
                            requests.event(message),
                            JSON,
                            holding=adapter.in_flight.holding(),
                        )
                        await _drain(before)
                    if n >= WARMUP:
                        timings[on].append(elapsed)
        finally:
            await adapter.close()
            await core.close()
            fake.stop()
    with_p99, without_p99 = percentile(timings[True], 99), percentile(timings[False], 99)
    result.add("ack p99, without", without_p99, "ms")
    result.add("ack p99, with metrics+json logs", with_p99, "ms")
    result.add("ack p99 with/without", with_p99 / without_p99, "x", Goal("<=", RATIO_GOAL))


async def run(*, quick: bool = False, workdir: Path | None = None) -> BenchResult:
    result = BenchResult(NAME, TITLE)
    await core_ratio(
        result,
        QUICK_ROUNDS if quick else FULL_ROUNDS,
        QUICK_POSTS if quick else FULL_POSTS,
        workdir,
    )
    await ack_ratio(result, QUICK_SAMPLES if quick else FULL_SAMPLES, workdir)
    result.notes.append(
        "with = the Prometheus recorder plugged into the core and one JSON log line per "
        "event (to /dev/null); without = the NULL recorder and INFO lines off; alternated "
        "in the same run"
    )
    return result
