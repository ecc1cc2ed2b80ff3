"""Process start: `rebound slack` from spawn to ready, beside a bare Bolt app.

Both are real processes against the same fake Slack Web API (in a process of its own):

* rebound: the installed CLI (`rebound slack --port 0`) on a migrated SQLite file, ready
  when it logs the port it listens on (its token checked, its schema current);
* bare: a minimal `AsyncApp` importing the same SDK, checking its token with `auth.test`
  and serving `app.web_app()` on aiohttp, ready when it logs its port;
* floor (no goal, for reading the ratio): the bare app plus the libraries any
  database-backed Rebound loads, loaded as `rebound slack` loads them (SQLAlchemy's asyncio
  engine without its ORM session, see adapters/lean_sqlalchemy.py, with aiosqlite, and
  pydantic-settings) and one query on the same database: what is left above it is
  Rebound's own code and work;
* database stack only (no goal): the floor without pydantic-settings, so the run shows
  what the libraries cost apart: the database stack, and the settings library on top.

Each side is started `STARTS` times, alternately, after one warm-up start each (the
first start of rebound migrates its new database; the page cache warms for both). Both
run from compiled bytecode, as the image does (deploy/Dockerfile compiles it): the
warm-up starts write it to a cache in the run's temporary folder, whatever
PYTHONDONTWRITEBYTECODE says here, so neither side pays for compiling its sources. The
goal (rebound's median <= 1.5x the bare app's) is in the core-speed issue.
"""

from __future__ import annotations

import asyncio
import resource
import sys
import tempfile
import time
from collections.abc import Coroutine
from pathlib import Path

from bench.common import BenchResult, Goal, percentile
from bench.slack_pacing import FakeInProcess
from tests.adapters.slack.process import LISTENING, SlackProcess, environment

NAME = "process_start"
TITLE = "Process start: `rebound slack` to ready vs a bare Bolt app"
STARTS = 5
QUICK_STARTS = 1
GOAL_RATIO = 1.5
READY_TIMEOUT_S = 60.0

BARE_APP = """
import asyncio, os, sys
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

async def main() -> None:
    env = os.environ
    client = AsyncWebClient(token=env["SLACK_BOT_TOKEN"], base_url=env["SLACK_API_URL"])
    app = AsyncApp(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"])

    @app.event("message")
    async def on_message(body, ack) -> None:
        await ack()

    await client.auth_test()
    runner = web.AppRunner(app.web_app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    print(f"listening on port {port}", file=sys.stderr, flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
"""

# The same app, first loading the database stack and querying the database once.
DATABASE_FLOOR_APP = """
import os
from adapters.lean_sqlalchemy import load_engine_without_session
load_engine_without_session()
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

async def query_once() -> None:
    engine = create_async_engine(os.environ["REBOUND_DATABASE_URL"])
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
    await engine.dispose()
""" + BARE_APP.replace(
    "    await client.auth_test()\n", "    await client.auth_test()\n    await query_once()\n"
)

# ...and the settings library every `rebound` command reads its settings with: the floor.
FLOOR_APP = "import pydantic_settings\n" + DATABASE_FLOOR_APP


def _compiled(env: dict[str, str], cache: Path) -> dict[str, str]:
    """`env` with bytecode written to and read from `cache` (both sides share it)."""
    env = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPYCACHEPREFIX": str(cache)}


class Starts:
    """Wall time to ready, and the CPU the process used in all, of each start."""

    def __init__(self) -> None:
        self.walls: list[float] = []
        self.cpus: list[float] = []

    async def time(self, start: Coroutine[object, object, float]) -> None:
        before = _children_cpu()
        self.walls.append(await start)
        self.cpus.append(_children_cpu() - before)  # the process has been waited for


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


async def start_rebound(env: dict[str, str], folder: Path) -> float:
    """Seconds from spawn to ready for `rebound slack`."""
    started = time.perf_counter()
    process = await SlackProcess(env, folder).start()
    ready = time.perf_counter() - started
    await process.kill()
    return ready


async def start_bare(env: dict[str, str], folder: Path, code: str = BARE_APP) -> float:
    """Seconds from spawn to ready for the bare Bolt app (or another `code`)."""
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        code,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        cwd=folder,
    )
    assert process.stderr is not None
    try:
        async with asyncio.timeout(READY_TIMEOUT_S):
            async for line in process.stderr:
                if LISTENING.search(line.decode(errors="replace")):
                    return time.perf_counter() - started
        raise RuntimeError("the bare Bolt app exited before it was ready")
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()


async def run(quick: bool = False, workdir: Path | None = None) -> BenchResult:
    starts = QUICK_STARTS if quick else STARTS
    result = BenchResult(NAME, TITLE)
    fake = FakeInProcess(rate=10_000)
    api_url = fake.start()
    try:
        with tempfile.TemporaryDirectory(prefix="rebound-bench-", dir=workdir) as tmp:
            folder = Path(tmp)
            env = _compiled(environment(api_url, folder / "start.db"), folder / "pycache")
            await start_rebound(env, folder)  # migrates the new database
            await start_bare(env, folder)
            await start_bare(env, folder, FLOOR_APP)
            await start_bare(env, folder, DATABASE_FLOOR_APP)
            rebound, bare, floor, database = Starts(), Starts(), Starts(), Starts()
            for _ in range(starts):
                await rebound.time(start_rebound(env, folder))
                await bare.time(start_bare(env, folder))
                await floor.time(start_bare(env, folder, FLOOR_APP))
                await database.time(start_bare(env, folder, DATABASE_FLOOR_APP))
    finally:
        fake.stop()
    mine, theirs = percentile(rebound.walls, 50), percentile(bare.walls, 50)
    result.add("rebound slack start to ready p50", 1000 * mine, "ms", key=True)
    result.add("rebound slack CPU p50", 1000 * percentile(rebound.cpus, 50), "ms")
    result.add("bare Bolt app start to ready p50", 1000 * theirs, "ms", key=True)
    result.add("bare Bolt app CPU p50", 1000 * percentile(bare.cpus, 50), "ms")
    result.add("rebound / bare Bolt", mine / theirs, "x", Goal("<=", GOAL_RATIO))
    # The same ratio in CPU: less swayed than wall time by other work on the machine.
    cpu_ratio = percentile(rebound.cpus, 50) / percentile(bare.cpus, 50)
    result.add("rebound / bare Bolt, CPU", cpu_ratio, "x")
    lowest = percentile(floor.walls, 50)
    result.add("floor: bare Bolt + database stack p50", 1000 * lowest, "ms")
    result.add("floor CPU p50", 1000 * percentile(floor.cpus, 50), "ms")
    result.add("floor / bare Bolt", lowest / theirs, "x")
    # The floor without the settings library: what pydantic-settings alone adds to a start.
    database_only = percentile(database.walls, 50)
    result.add("bare Bolt + database stack only p50", 1000 * database_only, "ms")
    result.add("bare Bolt + database stack only / bare Bolt", database_only / theirs, "x")
    # What is left above the floor: Rebound's own code and work.
    result.add("rebound / floor", mine / lowest, "x")
    floor_cpu = percentile(floor.cpus, 50)
    result.add("rebound / floor, CPU", percentile(rebound.cpus, 50) / floor_cpu, "x")
    result.notes.append(
        f"{starts} start(s) of each, alternately, after one warm-up each, from compiled "
        "bytecode; a start ends when the process logs the port it listens on (both check "
        "their token with auth.test); CPU is the process's whole life (user + system), "
        "killed once ready"
    )
    return result
