"""Ack latency on Slack: signed requests through the real adapter vs bare AsyncApps.

All apps are real `AsyncApp`s in this process, with the same signing secret and a fake
Web API (in a process of its own). Each sample sends one signed request to each app in
turn and times `async_dispatch` until the acknowledgement (what Slack waits for).

* Rebound: the ack goes out once what it acknowledges is stored (issue 18). An Events
  API delivery (the thread reply) is stored as it came, and decided and delivered after
  the ack; a command (`/setback`) is decided before it (its ack may carry the answer).
  The work after each ack is drained before the next sample.
* "bare": registers the same command and event and only acknowledges (Bolt's default,
  acking before anything runs). No app that stores before acking can match it: one
  committed row (synchronous=FULL) costs more than its whole ack. Reported, no goal.
* "bare+store": the least any app that acknowledges only what is stored does: Bolt with
  `process_before_response=True`, a listener that commits the event id (one row, the same
  store settings as Rebound) and returns. Goal: Rebound's p99 <= 1.2x its p99.

The warm-up sends one request per member: a member's first request in five minutes also
waits for their profile (`users.info`, at most 1 s) before the ack; the figures are the
steady state of a community whose members have been seen.

Requests: the `/setback` command (form-encoded; the real app opens the modal after) and
a thread reply (an `event_callback` with a `message` in an existing post's thread).
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from adapters.slack.app import SlackAdapter
from bench.common import BenchResult, Goal, percentile
from bench.slack_pacing import FakeInProcess
from bot.common.clock import SystemClock
from bot.engine.bootstrap import build_rebound
from bot.engine.runtime import Rebound
from tests.adapters.slack.slack_requests import (
    FORM,
    JSON,
    SIGNING_SECRET,
    SlackRequests,
    bolt_request,
)
from tests.adapters.slack.workspace import SUPPORT, settings

NAME = "slack_ack"

FULL_SAMPLES = 300
QUICK_SAMPLES = 15
RATIO_GOAL = 1.2
MEMBERS = 20
WARMUP = MEMBERS  # every member's profile fetched once (see above)

Request = Callable[[], tuple[str, str]]


def bare_app(api_url: str) -> AsyncApp:
    """An AsyncApp that only acknowledges what the real one handles."""
    from adapters.slack.web import web_client  # noqa: PLC0415

    app = AsyncApp(client=web_client("xoxb-bench", api_url), signing_secret=SIGNING_SECRET)

    async def only_ack(ack: AsyncAck) -> None:
        await ack()

    async def nothing() -> None:
        return None

    app.command("/setback")(only_ack)
    app.event("message")(nothing)
    return app


def storing_app(api_url: str, store: Rebound) -> AsyncApp:
    """An AsyncApp that commits each request's id (one row) before acknowledging it."""
    from adapters.slack.web import web_client  # noqa: PLC0415

    app = AsyncApp(
        client=web_client("xoxb-bench", api_url),
        signing_secret=SIGNING_SECRET,
        process_before_response=True,
    )

    async def remember(delivery_id: str) -> None:
        async with store.store.transaction() as repo:
            await repo.claim_event("slack:bench", delivery_id, store.clock.now())

    async def command(ack: AsyncAck, body: dict[str, Any]) -> None:
        await remember(f"command:{body['trigger_id']}")
        await ack()

    async def message(body: dict[str, Any]) -> None:
        await remember(str(body["event_id"]))

    app.command("/setback")(command)
    app.event("message")(message)
    return app


async def _timed(
    app: AsyncApp,
    requests: SlackRequests,
    body: str,
    kind: str,
    holding: AbstractContextManager[None] | None = None,
) -> float:
    request = bolt_request(body, requests.headers(body, kind))
    started = time.perf_counter()
    with holding or contextlib.nullcontext():
        response = await app.async_dispatch(request)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status == 200, response.status
    return elapsed


async def _drain(before: set[asyncio.Task[object]]) -> None:
    """Wait for the tasks started since `before`: the real app's work after its ack."""
    started = asyncio.all_tasks() - before
    if started:
        await asyncio.wait(started)


async def run(*, quick: bool = False, workdir: Path | None = None) -> BenchResult:
    samples = QUICK_SAMPLES if quick else FULL_SAMPLES
    result = BenchResult(NAME, f"Slack ack latency: real app vs bare AsyncApp, {samples} samples")
    fake = FakeInProcess(rate=1_000_000, users=[f"U{n}" for n in range(MEMBERS)] + ["U0POSTER"])
    api_url = await asyncio.to_thread(fake.start)
    requests = SlackRequests()
    with tempfile.TemporaryDirectory(prefix="rebound-bench-", dir=workdir) as folder:
        core = await build_rebound(f"sqlite+aiosqlite:///{Path(folder) / 'ack.db'}", SystemClock())
        plain_store = await build_rebound(
            f"sqlite+aiosqlite:///{Path(folder) / 'bare.db'}", SystemClock()
        )
        adapter = SlackAdapter(settings(api_url), core)
        apps = Apps(adapter, bare_app(api_url), storing_app(api_url, plain_store))
        try:
            await adapter.start()
            thread = await _a_thread(adapter, requests)
            cases: dict[str, Request] = {
                "/setback": lambda: (
                    requests.command(f"U{next_member()}", "M", "/setback", SUPPORT),
                    FORM,
                ),
                "thread reply": lambda: (
                    requests.event(
                        requests.message(
                            f"U{next_member()}",
                            "Ask them for feedback.",
                            SUPPORT,
                            ts=requests.next_ts(),
                            thread_ts=thread,
                        )
                    ),
                    JSON,
                ),
            }
            counter = iter(range(10**9))

            def next_member() -> int:
                return next(counter) % MEMBERS

            for label, make in cases.items():
                _report(result, label, await _measure(apps, requests, make, samples))
        finally:
            await adapter.close()
            await core.close()
            await plain_store.close()
            fake.stop()
    result.notes.append(
        "in-process async_dispatch until the ack; SQLite files (WAL, synchronous=FULL); the "
        "fake Web API runs in another process; the real app's deliveries after each ack are "
        "drained between samples"
    )
    return result


async def _a_thread(adapter: SlackAdapter, requests: SlackRequests) -> str:
    """A post to reply to: a member's top-level message, adopted."""
    ts = requests.next_ts()
    body = requests.event(requests.message("U0POSTER", "Rejected again.", SUPPORT, ts=ts))
    before = asyncio.all_tasks()
    await adapter.app.async_dispatch(bolt_request(body, requests.headers(body, JSON)))
    await _drain(before)
    return ts


class Apps:
    def __init__(self, adapter: SlackAdapter, bare: AsyncApp, storing: AsyncApp) -> None:
        self.adapter = adapter
        self.bare = bare
        self.storing = storing


async def _measure(
    apps: Apps, requests: SlackRequests, make: Request, samples: int
) -> dict[str, list[float]]:
    """Per app, the ack latencies (ms) of `samples` requests, after a warm-up."""
    timings: dict[str, list[float]] = {"Rebound": [], "bare": [], "bare+store": []}
    before = asyncio.all_tasks()
    for n in range(WARMUP + samples):
        real_ms = await _timed(
            apps.adapter.app, requests, *make(), holding=apps.adapter.in_flight.holding()
        )
        await _drain(before)
        bare_ms = await _timed(apps.bare, requests, *make())
        storing_ms = await _timed(apps.storing, requests, *make())
        await _drain(before)
        if n >= WARMUP:
            timings["Rebound"].append(real_ms)
            timings["bare"].append(bare_ms)
            timings["bare+store"].append(storing_ms)
    return timings


def _report(result: BenchResult, label: str, timings: dict[str, list[float]]) -> None:
    for side, values in timings.items():
        result.add(f"{label} {side} p50", percentile(values, 50), "ms")
        result.add(f"{label} {side} p99", percentile(values, 99), "ms", key=True)
    real_p99 = percentile(timings["Rebound"], 99)
    for side, goal in (("bare", None), ("bare+store", Goal("<=", RATIO_GOAL))):
        other_p99 = percentile(timings[side], 99)
        ratio = real_p99 / other_p99 if other_p99 else 0.0
        result.add(f"{label} p99 Rebound/{side}", ratio, "x", goal, key=goal is None)
