"""Many workspaces: does the cost of an event grow with the number of communities served?

One real Slack adapter in OAuth mode (installed into many workspaces, issue 11) on
PostgreSQL, with `WORKSPACES` installations stored through the installation store (tokens
sealed with Fernet, as an install does) and each community set up (its settings saved and
audited, as `/rebound setup` does). The fake Web API runs in a process of its own and
answers `auth.test` for each workspace's token.

Signed event requests go through bolt's `async_dispatch` (signature check, authorisation
from the installation store, the listeners; the ack waits for the decision to be stored):

* warm-up: one member's message in each workspace's support channel (a post each, which
  the replies below answer) and a first reply by the member who replies below; every
  workspace, and that member's profile in it, is then known to the process (the same
  member replies everywhere, so both sides look up the same number of profiles: members
  differ per workspace, and their lookups grow with members, not communities);
* ack latency: thread replies, one at a time, alternately in one workspace ("1", over
  `CONCURRENCY` threads in turn) and round-robin over every workspace ("N"); each
  reply's deliveries are drained before the next;
* throughput: `CONCURRENCY` senders at once, each reply in "1" or spread over "N", until
  every ack is in and every delivery done; events per second, and this process's CPU per
  event (the fake and PostgreSQL's server are other processes).

Goal (issue 11): "N" p99 and throughput within 1.2x of "1". Printed beside them: the
core's per-community settings cache and the adapter's workspace cache after the run, with
their bounds (REBOUND_SETTINGS_CACHE_SIZE, SLACK_WORKSPACE_CACHE_SIZE).
"""

from __future__ import annotations

import asyncio
import itertools
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.slack.app import SlackAdapter
from adapters.slack.inbound import community_id
from adapters.slack.pacing import Pacer
from adapters.slack.scopes import BOT_SCOPES
from adapters.slack.workspaces import InstalledWorkspaces
from bench.common import (
    BenchResult,
    Goal,
    percentile,
    postgres_base_url,
    postgres_unreachable,
    scratch_postgres,
)
from bench.slack_ack import _drain, _timed
from bench.slack_pacing import FakeInProcess, installed_token
from bot.common.clock import SystemClock
from bot.domain.model import CommunitySettings
from bot.engine.bootstrap import build_rebound
from bot.store.community_settings_repo import CommunitySettingsStore, CommunitySetup
from bot.store.installation_repo import Installation, Installations
from bot.store.secrets import SecretBox
from bot.store.statements import REPLY
from tests.adapters.slack.slack_requests import JSON, SlackRequests, bolt_request
from tests.adapters.slack.workspace import SUPPORT, settings

NAME = "many_workspaces"

FULL_WORKSPACES = 1_000
QUICK_WORKSPACES = 50
FULL_SAMPLES = 1_000
QUICK_SAMPLES = 50
FULL_EVENTS = 1_000
QUICK_EVENTS = 100
CONCURRENCY = 8
SEED_CONCURRENCY = 8
RATIO_GOAL = 1.2
POSTER = "U0POSTER"
REPLIER = "U0REPLIER"
INSTALLER = "U0INSTALLER"


def team(n: int) -> str:
    return f"T{n:05d}"


@dataclass
class Team:
    """One installed workspace, as its members' requests come from it."""

    team_id: str
    requests: SlackRequests
    threads: list[str] = field(default_factory=list)
    _turn: int = 0

    def reply(self) -> str:
        """A member's signed reply in the workspace's posts' threads, in turn (the body)."""
        thread_ts = self.threads[self._turn % len(self.threads)]
        self._turn += 1
        message = self.requests.message(
            REPLIER,
            "Ask them for feedback.",
            SUPPORT,
            ts=self.requests.next_ts(),
            thread_ts=thread_ts,
        )
        return self.requests.event(message)


async def seed(database_url: str, teams: list[str], box: SecretBox) -> float:
    """Install Rebound into each team and set each community up; seconds taken."""
    core = await build_rebound(database_url, SystemClock(), worker="seed")
    installations = Installations(core.store, box)
    setups = CommunitySettingsStore(core.store)
    now = datetime.now(UTC)
    setup = CommunitySetup(CommunitySettings(support_channel=SUPPORT), set_up_at=now.isoformat())
    pending = iter(teams)

    async def install_some() -> None:
        for team_id in pending:
            cid = community_id(team_id)
            await installations.save(
                Installation(
                    community_id=cid,
                    bot_id=f"B0{team_id}",
                    bot_user_id=f"U0BOT{team_id}",
                    bot_token=installed_token(team_id),
                    installed_at=now,
                    bot_scopes=",".join(BOT_SCOPES),
                    team_id=team_id,
                    app_id="A0REBOUNDAPP",
                    installer_user_id=INSTALLER,
                ),
                "slack",
            )
            await setups.save(cid, setup, INSTALLER, now)

    started = time.perf_counter()
    try:
        await asyncio.gather(*(install_some() for _ in range(SEED_CONCURRENCY)))
    finally:
        await core.close()
    return time.perf_counter() - started


@dataclass
class Throughput:
    events: int
    wall_s: float
    cpu_s: float

    @property
    def per_s(self) -> float:
        return self.events / self.wall_s if self.wall_s else 0.0

    @property
    def cpu_ms_per_event(self) -> float:
        return 1000 * self.cpu_s / self.events if self.events else 0.0


class Driver:
    """Sends replies through the adapter's bolt app, the way its HTTP endpoint does."""

    def __init__(self, adapter: SlackAdapter, teams: list[Team]) -> None:
        self.adapter = adapter
        self.teams = teams
        self._spread = itertools.cycle(teams)

    def one(self) -> Team:
        return self.teams[0]

    def spread(self) -> Team:
        return next(self._spread)

    async def post_in_each(self) -> None:
        """A member's post in every workspace (the threads replies go to), and a first
        reply in each."""
        before = asyncio.all_tasks()
        for each in self.teams:
            # The one workspace gets a thread per sender, as N workspaces have one each:
            # neither side's senders queue on one post.
            for _ in range(CONCURRENCY if each is self.one() else 1):
                ts = each.requests.next_ts()
                each.threads.append(ts)
                post = each.requests.message(POSTER, "Rejected again.", SUPPORT, ts=ts)
                await self._send(each, each.requests.event(post))
            await self._send(each, each.reply())
            await _drain(before)

    async def _send(self, each: Team, body: str) -> None:
        before = asyncio.all_tasks()
        await _timed(self.adapter.app, each.requests, body, JSON, self.adapter.in_flight.holding())
        await _drain(before)

    async def latencies(self, samples: int) -> dict[str, list[float]]:
        """Ack latencies (ms) of replies, alternately in one workspace and spread."""
        timings: dict[str, list[float]] = {"1": [], "N": []}
        before = asyncio.all_tasks()
        for _ in range(samples):
            for label, pick in (("1", self.one), ("N", self.spread)):
                each = pick()
                timings[label].append(
                    await _timed(
                        self.adapter.app,
                        each.requests,
                        each.reply(),
                        JSON,
                        self.adapter.in_flight.holding(),
                    )
                )
                await _drain(before)
        return timings

    async def throughput(self, pick: Callable[[], Team], events: int) -> Throughput:
        """`events` replies from `CONCURRENCY` senders at once, until all are delivered."""
        before = asyncio.all_tasks()
        remaining = iter(range(events))

        async def sender() -> None:
            for _ in remaining:
                each = pick()
                body = each.reply()
                request = bolt_request(body, each.requests.headers(body, JSON))
                with self.adapter.in_flight.holding():
                    response = await self.adapter.app.async_dispatch(request)
                assert response.status == 200, response.status

        cpu, started = time.process_time(), time.perf_counter()
        await asyncio.gather(*(sender() for _ in range(CONCURRENCY)))
        await _drain(before)
        return Throughput(events, time.perf_counter() - started, time.process_time() - cpu)


async def measure(
    database_url: str, teams: list[str], samples: int, events: int, result: BenchResult
) -> None:
    key = SecretBox.new_key()
    box = SecretBox.from_text(key)
    seeded_s = await seed(database_url, teams, box)
    fake = FakeInProcess(rate=1_000_000, users=[POSTER, REPLIER], teams=teams)
    api_url = await asyncio.to_thread(fake.start)
    core = await build_rebound(database_url, SystemClock(), worker="bench")
    config = settings(
        api_url,
        bot_token=None,
        support_channel=None,
        client_id="1111.2222",
        client_secret="bench-client-secret",
        state_secret="bench-state-secret",
        REBOUND_SECRET_KEYS=key,
    )
    adapter = SlackAdapter(config, core, pacer=Pacer(0.0, 0.0))
    try:
        await adapter.start()
        driver = Driver(adapter, [Team(t, SlackRequests(team_id=t)) for t in teams])
        started = time.perf_counter()
        await driver.post_in_each()
        warm_s = time.perf_counter() - started
        timings = await driver.latencies(samples)
        rounds: dict[str, list[Throughput]] = {"1": [], "N": []}
        for label in ("1", "N", "N", "1"):  # each side first once
            pick = driver.one if label == "1" else driver.spread
            rounds[label].append(await driver.throughput(pick, events))
        _report(result, timings, rounds, adapter, len(teams))
        sent = len(teams) + 2 * samples + sum(r.events for side in rounds.values() for r in side)
        stored = await _replies_stored(core.store.engine)
        result.add("replies stored / sent", 100 * stored / sent, "%", Goal(">=", 100.0))
        result.notes.append(
            f"{len(teams):,} installations seeded in {seeded_s:.1f} s; the first post in "
            f"each workspace and its first reply (warm-up) took {warm_s:.1f} s in all"
        )
    finally:
        await adapter.close()
        await core.close()
        fake.stop()


async def _replies_stored(engine: AsyncEngine) -> int:
    """Every reply recorded (each request was served, none refused or lost)."""
    async with engine.connect() as db:
        return int((await db.execute(select(func.count()).select_from(REPLY))).scalar_one())


def _report(
    result: BenchResult,
    timings: dict[str, list[float]],
    rounds: dict[str, list[Throughput]],
    adapter: SlackAdapter,
    workspaces: int,
) -> None:
    for side in ("1", "N"):
        name = "1 workspace" if side == "1" else f"{workspaces:,} workspaces"
        result.add(f"ack p50, {name}", percentile(timings[side], 50), "ms")
        result.add(f"ack p99, {name}", percentile(timings[side], 99), "ms", key=True)
    one_p99, many_p99 = percentile(timings["1"], 99), percentile(timings["N"], 99)
    result.add("ack p99 N / 1", many_p99 / one_p99 if one_p99 else 0.0, "x", Goal("<=", RATIO_GOAL))
    best = {side: max(rounds[side], key=lambda r: r.per_s) for side in rounds}
    for side in ("1", "N"):
        name = "1 workspace" if side == "1" else f"{workspaces:,} workspaces"
        result.add(f"throughput, {name}", best[side].per_s, "events/s", key=True)
        result.add(f"CPU per event, {name}", best[side].cpu_ms_per_event, "ms")
        result.add(f"wall per event, {name}", 1000 / best[side].per_s, "ms")
    result.notes.append(
        "throughput rounds (events/s): "
        + "; ".join(
            f"{side}: " + ", ".join(f"{r.per_s:.0f}" for r in rounds[side]) for side in ("1", "N")
        )
    )
    slower = best["1"].per_s / best["N"].per_s if best["N"].per_s else 0.0
    result.add("throughput 1 / N", slower, "x", Goal("<=", RATIO_GOAL))
    cache = adapter.core.kernel.settings_cache
    result.add("settings cache after the run", len(cache), "communities", key=True)
    result.add("settings cache bound", cache.capacity, "communities")
    known = adapter.workspaces
    assert isinstance(known, InstalledWorkspaces)
    result.add("workspace cache after the run", len(known), "workspaces", key=True)
    result.add("workspace cache bound", known.capacity, "workspaces")
    result.notes.append(
        "ack: in-process async_dispatch of signed requests until the ack (bolt authorises "
        "each from the installation store and auth.test); throughput: the better of two "
        f"rounds per side, {CONCURRENCY} senders, deliveries included; CPU is this "
        "process's (not the fake's nor PostgreSQL's)"
    )


async def run(
    *, quick: bool = False, postgres: bool = True, workdir: Path | None = None
) -> BenchResult:
    workspaces = QUICK_WORKSPACES if quick else FULL_WORKSPACES
    samples = QUICK_SAMPLES if quick else FULL_SAMPLES
    events = QUICK_EVENTS if quick else FULL_EVENTS
    result = BenchResult(NAME, f"Many workspaces: {workspaces:,} installed vs 1, Slack OAuth mode")
    teams = [team(n) for n in range(workspaces)]
    base = postgres_base_url()
    why = "not requested" if not postgres else await postgres_unreachable(base)
    if why is None:
        async with scratch_postgres(base) as scratch:
            await measure(_shown(scratch), teams, samples, events, result)
        result.notes.append("PostgreSQL (a scratch database, dropped afterwards)")
        return result
    with tempfile.TemporaryDirectory(prefix="rebound-bench-", dir=workdir) as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'many.db'}"
        await measure(url, teams, samples, events, result)
    result.notes.append(f"SQLite file: PostgreSQL SKIPPED ({why})")
    return result


def _shown(url: URL) -> str:
    return url.render_as_string(hide_password=False)
