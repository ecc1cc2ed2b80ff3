"""Ack latency on Slack: signed requests through the real adapter vs a bare AsyncApp.

Both apps are real `AsyncApp`s in this process, with the same signing secret and a fake
Web API (in a process of its own). The bare app registers the same command and event but
only acknowledges. Each sample sends one signed request to each app in turn and times
`async_dispatch` until the acknowledgement (what Slack waits for); the real app's slow work
(profile lookup, database, Web API) runs after its ack and is drained before the next sample.

* `/setback` command: form-encoded, as Slack sends it; the real app opens the modal after.
* thread reply: an `event_callback` with a `message` in an existing post's thread.

Goal: Rebound's p99 <= 1.2x the bare app's p99.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from slack_bolt.async_app import AsyncAck, AsyncApp

from adapters.slack.app import SlackAdapter
from bench.common import BenchResult, Goal, percentile
from bench.slack_pacing import FakeInProcess
from bot.bootstrap import build_rebound
from bot.clock import SystemClock
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
WARMUP = 5
RATIO_GOAL = 1.2
MEMBERS = 20

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


async def _timed(app: AsyncApp, requests: SlackRequests, body: str, kind: str) -> float:
    request = bolt_request(body, requests.headers(body, kind))
    started = time.perf_counter()
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
        adapter = SlackAdapter(settings(api_url), core)
        bare = bare_app(api_url)
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
                real, plain = await _measure(adapter.app, bare, requests, make, samples)
                _report(result, label, real, plain)
        finally:
            await adapter.close()
            await core.close()
            fake.stop()
    result.notes.append(
        "in-process async_dispatch until the ack; SQLite file; the fake Web API runs in "
        "another process; the real app's work after each ack is drained between samples"
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


async def _measure(
    real_app: AsyncApp, bare: AsyncApp, requests: SlackRequests, make: Request, samples: int
) -> tuple[list[float], list[float]]:
    real: list[float] = []
    plain: list[float] = []
    before = asyncio.all_tasks()
    for n in range(WARMUP + samples):
        body, kind = make()
        real_ms = await _timed(real_app, requests, body, kind)
        await _drain(before)
        bare_ms = await _timed(bare, requests, *make())
        await _drain(before)
        if n >= WARMUP:
            real.append(real_ms)
            plain.append(bare_ms)
    return real, plain


def _report(result: BenchResult, label: str, real: list[float], plain: list[float]) -> None:
    for side, values in (("Rebound", real), ("bare", plain)):
        result.add(f"{label} {side} p50", percentile(values, 50), "ms")
        result.add(f"{label} {side} p99", percentile(values, 99), "ms", key=True)
    bare_p99 = percentile(plain, 99)
    ratio = percentile(real, 99) / bare_p99 if bare_p99 else 0.0
    result.add(f"{label} p99 Rebound/bare", ratio, "x", Goal("<=", RATIO_GOAL))
