"""Follow-up pacing on Slack: due outcome asks through the real adapter to a rate-limited fake.

10,000 posts (bulk-loaded like `scheduler_tick`), each with an outcome ask already due and a
poster of its own, go out through the real core, `SlackOutbox` (chat.postMessage to the
poster's id, which opens the DM) and the adapter's concurrent senders, to a local fake Web
API that takes N chat.postMessage calls per second and answers 429 (Retry-After: 1) beyond
that. The adapter paces the workspace at 95 % of N.

Goals: delivered at >= 90 % of N; <= 1 % of calls answered 429; none sent twice; none lost.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import sqlite3
import tempfile
import time
from collections import Counter
from multiprocessing.connection import Connection
from pathlib import Path

import aiohttp

from adapters.slack.app import SlackAdapter
from bench.common import BenchResult, Goal
from bench.scheduler_tick import NOW, Rows, Sizes, load_sqlite
from bot.common.clock import ManualClock
from bot.engine.bootstrap import build_rebound
from bot.engine.scheduler import Scheduler
from bot.engine.workers import schedulers
from bot.store.engine import create_engine
from bot.store.migrate import upgrade
from tests.adapters.slack.fake_slack import TEAM_ID, FakeSlack, member
from tests.adapters.slack.workspace import settings

NAME = "slack_pacing"

FULL_ASKS = 10_000
QUICK_ASKS = 200
DEFAULT_RATE = 300
QUICK_RATE = 200
PACE_SHARE = 0.95
SENDERS = 8
BATCH = 50

COMMUNITY = f"slack:{TEAM_ID}"


class FakeInProcess:
    """The fake Web API in a process of its own, as Slack is: it must not share our CPU."""

    def __init__(
        self, rate: int, users: list[str] | None = None, teams: list[str] | None = None
    ) -> None:
        self._rate = rate
        self._users = users or []
        self._teams = teams or []  # workspaces installed, each with `installed_token(team)`
        self._process: multiprocessing.Process | None = None
        self._url = ""

    def start(self) -> str:
        parent, child = multiprocessing.Pipe()
        self._process = multiprocessing.Process(
            target=_serve_fake, args=(self._rate, self._users, self._teams, child)
        )
        self._process.start()
        self._url = str(parent.recv())
        return f"{self._url}/api/"

    async def calls(self) -> list[list[str | int]]:
        """Every call the fake answered: method, channel, status."""
        async with aiohttp.ClientSession() as http, http.get(f"{self._url}/calls") as answer:
            found: list[list[str | int]] = await answer.json()
            return found

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.join()


def installed_token(team_id: str) -> str:
    """The bot token the fake knows for an installed workspace (auth.test answers for it)."""
    return f"xoxb-{team_id}-bench"


def _serve_fake(rate: int, users: list[str], teams: list[str], pipe: Connection) -> None:
    async def serve() -> None:
        known = {user: member(user, f"Member {user}") for user in users}
        fake = FakeSlack(post_limit_per_s=rate, users=known)
        for team in teams:
            fake.installs[installed_token(team)] = {
                "team_id": team,
                "user_id": f"U0BOT{team}",
                "bot_id": f"B0{team}",
            }
        await fake.start()
        pipe.send(fake.root)
        await asyncio.Event().wait()

    asyncio.run(serve())


def _as_slack_community(path: Path) -> None:
    """Move the loaded rows to a Slack community, each post with a poster of its own."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys=OFF")
        conn.execute("BEGIN")
        conn.execute("UPDATE community SET id = ?, platform = 'slack'", (COMMUNITY,))
        conn.execute(
            "UPDATE setback SET community_id = ?, poster_id = 'U' || printf('%07d', id), "
            "channel_id = 'C0SUPPORT', thread_ref = 'C0SUPPORT:' || id || '.000100', "
            "status_message_ref = 'C0SUPPORT:' || id || '.000100'",
            (COMMUNITY,),
        )
        conn.execute("UPDATE follow_up SET community_id = ?, platform = 'slack'", (COMMUNITY,))
        conn.execute("COMMIT")
    finally:
        conn.close()


async def _load(path: Path, asks: int) -> None:
    url = f"sqlite+aiosqlite:///{path}"
    engine = create_engine(url)
    try:
        await upgrade(engine)
        rows = Rows(Sizes(future=0, due=asks, empty_ticks=0), engine.dialect)
    finally:
        await engine.dispose()
    await asyncio.to_thread(load_sqlite, path, rows)
    await asyncio.to_thread(_as_slack_community, path)


async def run(
    *,
    quick: bool = False,
    asks: int | None = None,
    rate: int | None = None,
    workdir: Path | None = None,
) -> BenchResult:
    asks = asks or (QUICK_ASKS if quick else FULL_ASKS)
    rate = rate or (QUICK_RATE if quick else DEFAULT_RATE)
    result = BenchResult(
        NAME, f"Slack follow-up pacing: {asks:,} due outcome asks, fake allows {rate}/s"
    )
    fake = FakeInProcess(rate)
    base_url = await asyncio.to_thread(fake.start)
    with tempfile.TemporaryDirectory(prefix="rebound-bench-", dir=workdir) as folder:
        path = Path(folder) / "pacing.db"
        await _load(path, asks)
        core = await build_rebound(f"sqlite+aiosqlite:///{path}", ManualClock(NOW), worker="bench")
        config = settings(base_url, workspace_rate_per_s=rate * PACE_SHARE)
        adapter = SlackAdapter(config, core)
        try:
            await adapter.start()
            senders = schedulers(adapter.core, SENDERS)
            for scheduler in senders:
                scheduler.batch = BATCH
            started = time.perf_counter()
            await asyncio.gather(*(_drain(adapter, s) for s in senders))
            elapsed = time.perf_counter() - started
            calls = await fake.calls()
        finally:
            await adapter.close()
            await core.close()
            fake.stop()
    _report(result, calls, asks, rate, elapsed)
    return result


async def _drain(adapter: SlackAdapter, scheduler: Scheduler) -> None:
    """Tick until a tick finds nothing to claim or retry."""
    platforms = frozenset({"slack"})
    while await scheduler.tick(adapter.outbox_for, platforms) or scheduler.last_claimed:
        pass


def _report(
    result: BenchResult, calls: list[list[str | int]], asks: int, rate: int, elapsed: float
) -> None:
    attempts = [
        (channel, status) for method, channel, status in calls if method == "chat.postMessage"
    ]
    delivered = [channel for channel, status in attempts if status == 200]
    limited = len(attempts) - len(delivered)
    per_channel = Counter(delivered)
    twice = sum(1 for n in per_channel.values() if n > 1)
    lost = asks - len(per_channel)
    delivered_rate = len(delivered) / elapsed if elapsed else 0.0
    result.add("delivered rate", delivered_rate, "msg/s", key=True)
    result.add("delivered rate / N", 100 * delivered_rate / rate, "%", Goal(">=", 90.0))
    result.add("calls answered 429", 100 * limited / max(len(attempts), 1), "%", Goal("<=", 1.0))
    result.add("sent twice", twice, "asks", Goal("<=", 0))
    result.add("lost", lost, "asks", Goal("<=", 0))
    result.add("wall time", elapsed, "s")
    result.notes.append(
        f"N = {rate}/s; the adapter paces the workspace at {PACE_SHARE:.0%} of N; "
        f"{SENDERS} concurrent senders, batches of {BATCH}; SQLite file"
    )
