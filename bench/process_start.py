"""Process start: `rebound slack` from spawn to ready, beside a bare Bolt app.

Both are real processes against the same fake Slack Web API (in a process of its own):

* rebound: the installed CLI (`rebound slack --port 0`) on a migrated SQLite file, ready
  when it logs the port it listens on (its token checked, its schema current);
* bare: a minimal `AsyncApp` importing the same SDK, checking its token with `auth.test`
  and serving `app.web_app()` on aiohttp, ready when it logs its port.

Each side is started `STARTS` times, alternately, after one warm-up start each (the
first start of rebound migrates its new database; the page cache warms for both). The
goal (rebound's median <= 1.5x the bare app's) is in the core-speed issue.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
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


async def start_rebound(env: dict[str, str], folder: Path) -> float:
    """Seconds from spawn to ready for `rebound slack`."""
    started = time.perf_counter()
    process = await SlackProcess(env, folder).start()
    ready = time.perf_counter() - started
    await process.kill()
    return ready


async def start_bare(env: dict[str, str], folder: Path) -> float:
    """Seconds from spawn to ready for the bare Bolt app."""
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        BARE_APP,
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
            env = environment(api_url, folder / "start.db")
            await start_rebound(env, folder)  # migrates the new database
            await start_bare(env, folder)
            rebound, bare = [], []
            for _ in range(starts):
                rebound.append(await start_rebound(env, folder))
                bare.append(await start_bare(env, folder))
    finally:
        fake.stop()
    mine, theirs = percentile(rebound, 50), percentile(bare, 50)
    result.add("rebound slack start to ready p50", 1000 * mine, "ms", key=True)
    result.add("bare Bolt app start to ready p50", 1000 * theirs, "ms", key=True)
    result.add("rebound / bare Bolt", mine / theirs, "x", Goal("<=", GOAL_RATIO))
    result.notes.append(
        f"{starts} start(s) of each, alternately, after one warm-up each; a start ends when "
        "the process logs the port it listens on (both check their token with auth.test)"
    )
    return result
