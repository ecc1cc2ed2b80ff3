"""The moderators' outcomes page at scale, on SQLite and PostgreSQL.

The page reads rollups kept up to date as outcomes arrive (bot/store/rollup_repo.py), so its
cost should not grow with the community's history. Measured: the server time of
`GET /outcomes` (the whole handler: the reads, the charts, the template), p95 over repeated
requests, wall and CPU, on a community of 10,000 setbacks (the baseline) and one of
1,000,000 (--quick: 100,000) made by the library benchmark's generator, plus outcomes for
two in five setbacks (spread over three years, every result, the first reply acted on),
stages and kinds; the rollups are rebuilt from those records as migration 0012 would.
Goal: the large community's p95 at most 1.5x the baseline's.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import case, text

from adapters.web.app import WebPage, web_app
from adapters.web.sessions import SESSION_COOKIE, Session
from adapters.web.settings import WebSettings
from bench.common import (
    BenchResult,
    Goal,
    percentile,
    postgres_base_url,
    postgres_unreachable,
    scratch_postgres,
)
from bench.library_search import COMMUNITY, START, Sizes
from bench.library_search import _fill as fill_library
from bot.common.clock import ManualClock
from bot.domain.model import CommunitySettings, SetbackKind, Stage
from bot.engine.bootstrap import build_rebound
from bot.engine.runtime import Rebound
from bot.store.rollup_repo import RESULTS, rebuild
from bot.store.statements import OUTCOME, SETBACK

NAME = "web_outcomes"
TITLE = "The moderators' outcomes page: server time at scale (SQLite and PostgreSQL)"

BASELINE = 10_000
FULL, QUICK = 1_000_000, 100_000
REQUESTS, QUICK_REQUESTS = 300, 100
WARM_UP = 10
RATIO_GOAL = 1.5
CHUNK = 5_000
REPLIES_PER_POST = 3
SECRET = "bench-secret-" + "x" * 32


@dataclass
class Timings:
    wall_ms: list[float]
    cpu_ms: list[float]


def _sizes(setbacks: int) -> Sizes:
    return Sizes(setbacks, setbacks * REPLIES_PER_POST, max(setbacks // 100, 10))


async def _outcomes(core: Rebound, setbacks: int) -> None:
    """Stages and kinds on every post; an outcome for two in five, the first reply acted on."""
    stages, kinds = list(Stage), list(SetbackKind)
    engine = core.store.engine
    async with engine.begin() as db:
        await db.execute(
            SETBACK.update().values(
                stage=case(
                    *((SETBACK.c.id % len(stages) == n, s.value) for n, s in enumerate(stages))
                ),
                kind=case(
                    *((SETBACK.c.id % len(kinds) == n, k.value) for n, k in enumerate(kinds))
                ),
            )
        )
    reported = [n for n in range(1, setbacks + 1) if n % 5 in (0, 1)]
    for first in range(0, len(reported), CHUNK):
        rows: list[dict[str, Any]] = [
            {
                "id": n,
                "community_id": COMMUNITY,
                "setback_id": n,
                "result": RESULTS[(n // 5) % len(RESULTS)],
                "events": [],
                "acted_on": [(n - 1) * REPLIES_PER_POST + 1],
                "note": "",
                "created_at": START + timedelta(days=n % 1000),
            }
            for n in reported[first : first + CHUNK]
        ]
        async with engine.begin() as db:
            await db.execute(OUTCOME.insert(), rows)
    async with engine.begin() as db:
        if engine.dialect.name == "postgresql":
            await db.execute(
                text("SELECT setval('outcome_update_id_seq', (SELECT max(id) FROM outcome_update))")
            )
        await db.run_sync(rebuild)
        await db.execute(text("ANALYZE"))


def _timed(samples: Timings) -> Callable[..., Any]:
    @web.middleware
    async def timing(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        started, cpu = time.perf_counter(), time.process_time()
        response = await handler(request)
        samples.wall_ms.append((time.perf_counter() - started) * 1000)
        samples.cpu_ms.append((time.process_time() - cpu) * 1000)
        return response

    return timing


def _client(core: Rebound, samples: Timings) -> TestClient[web.Request, web.Application]:
    """A client of the page on `core`, signed in as a moderator, its server timed."""
    page = WebPage(core, WebSettings(secret=SECRET, slack_client_id="b", slack_client_secret="b"))
    app = web_app(page)
    app.middlewares.insert(0, _timed(samples))
    session = Session(
        user_id="U-mod",
        name="Moderator",
        platform="console",
        expires=core.clock.now().timestamp() + 3600,
        csrf="c" * 32,
        community=COMMUNITY,
    )
    client = TestClient(TestServer(app))
    client.session.cookie_jar.update_cookies({SESSION_COOKIE: page.cookies.session_value(session)})
    return client


async def _measure(cores: tuple[Rebound, Rebound], requests: int) -> tuple[Timings, Timings]:
    """Requests to the small and the large community taken in turns, so whatever else the
    machine does (other processes, the database's own background work) weighs on both."""
    timings = (Timings([], []), Timings([], []))
    clients = [_client(core, samples) for core, samples in zip(cores, timings, strict=True)]
    for client in clients:
        await client.start_server()
    try:
        for n in range(WARM_UP + requests):
            for client in clients:
                async with client.get("/outcomes") as answer:
                    assert answer.status == 200, answer.status
                    await answer.read()
            if n + 1 == WARM_UP:
                for samples in timings:
                    samples.wall_ms.clear()
                    samples.cpu_ms.clear()
    finally:
        for client in clients:
            await client.close()
    return timings


async def _community(url: str, setbacks: int) -> tuple[Rebound, float]:
    core = await build_rebound(url, ManualClock(START), worker="bench")
    await core.ensure_community(COMMUNITY, "console", CommunitySettings())
    started = time.perf_counter()
    await fill_library(core, _sizes(setbacks))
    await _outcomes(core, setbacks)
    if core.store.engine.dialect.name == "postgresql":
        async with core.store.engine.connect() as db:
            autocommit = await db.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text("VACUUM ANALYZE"))
    return core, time.perf_counter() - started


async def _one(
    result: BenchResult,
    label: str,
    urls: tuple[str, str],
    counts: tuple[int, int],
    requests: int,
) -> None:
    small, big = counts
    small_core, made = await _community(urls[0], small)
    try:
        large_core, made_large = await _community(urls[1], big)
        try:
            baseline, large = await _measure((small_core, large_core), requests)
        finally:
            await large_core.close()
    finally:
        await small_core.close()
    result.notes.append(
        f"{label}: {small:,} setbacks generated in {made:.1f} s, {big:,} in {made_large:.1f} s"
    )
    base95, large95 = percentile(baseline.wall_ms, 95), percentile(large.wall_ms, 95)
    result.add(f"{label} p95 at {small:,}", base95, "ms", key=True)
    result.add(f"{label} CPU p95 at {small:,}", percentile(baseline.cpu_ms, 95), "ms")
    result.add(f"{label} p95 at {big:,}", large95, "ms", key=True)
    result.add(f"{label} CPU p95 at {big:,}", percentile(large.cpu_ms, 95), "ms")
    result.add(
        f"{label} p95 {big:,}/{small:,}",
        large95 / max(base95, 1e-6),
        "x",
        Goal("<=", RATIO_GOAL),
    )
    cpu_base, cpu_large = percentile(baseline.cpu_ms, 95), percentile(large.cpu_ms, 95)
    result.add(f"{label} CPU p95 {big:,}/{small:,}", cpu_large / max(cpu_base, 1e-6), "x", key=True)


async def run(
    *,
    quick: bool = False,
    postgres: bool = True,
    workdir: Path | None = None,
    setbacks: int | None = None,
    requests: int | None = None,
    baseline: int = BASELINE,
) -> BenchResult:
    big = setbacks or (QUICK if quick else FULL)
    count = requests or (QUICK_REQUESTS if quick else REQUESTS)
    result = BenchResult(NAME, TITLE)
    with tempfile.TemporaryDirectory(dir=workdir) as folder:
        urls = (
            f"sqlite+aiosqlite:///{Path(folder) / 'small.db'}",
            f"sqlite+aiosqlite:///{Path(folder) / 'large.db'}",
        )
        await _one(result, "SQLite", urls, (baseline, big), count)
    if not postgres:
        result.notes.append("PostgreSQL SKIPPED (--no-postgres)")
        return result
    base = postgres_base_url()
    problem = await postgres_unreachable(base)
    if problem is not None:
        result.notes.append(f"PostgreSQL SKIPPED: {problem}")
        return result
    async with scratch_postgres(base) as small, scratch_postgres(base) as large:
        rendered = (
            small.render_as_string(hide_password=False),
            large.render_as_string(hide_password=False),
        )
        await _one(result, "PostgreSQL", rendered, (baseline, big), count)
    return result
