"""The real `rebound slack` process, killed mid-batch and restarted: nothing twice, nothing lost.

Twelve members have posted; all their follow-ups (the outcome ask among them) are due when
the process starts. The fake Slack answers slowly; the process is SIGKILLed before its first
message is made, between two messages, or while Slack has made a message but not answered.
After a restart, every outbox row made exactly one message (its metadata names it), every
member was asked once, and nothing is left undelivered or given up. Then the same with two
processes on one PostgreSQL database, Slack answering each call after half a second
and leases of three (a batch takes far longer): 0 twice, 0 missed.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.adapters.slack.fake_slack import FakeSlack, member
from tests.adapters.slack.process import environment as slack_environment
from tests.adapters.slack.workspace import MODERATORS, workspace
from tests.processes import KILL_POINTS, crash_then_recover, eventually, running, scalar

POSTERS = [f"U0POSTER{n:02d}" for n in range(12)]
ASK = "turn out"
LEASE_S = 3.0
# Slack's slowness in the two-process test: a batch of twenty takes far longer than a
# lease, a single call well within one.
SLOW_SLACK_S = 0.5
SLOW_LEASE_S = 3.0

Messages = dict[str, dict[str, dict[str, Any]]]
PENDING_ROWS = "SELECT count(*) FROM outbound WHERE delivered_at IS NULL"
DUE_FOLLOW_UPS = "SELECT count(*) FROM follow_up WHERE done_at IS NULL AND due_at <= {now}"


async def seed(database_url: str) -> Messages:
    """Twelve posts (their threads made), every follow-up due long before today; the
    messages Slack then holds."""
    async with workspace(database_url) as ws:
        for n, user in enumerate(POSTERS):
            ws.fake.users[user] = member(user, f"Poster {n}")
            await ws.share(user, title=f"Panel went badly {n}", ask_outcome_on="3d")
        return ws.fake.messages


async def slack_holding(seeded: Messages) -> FakeSlack:
    """A started fake Slack that holds the seeded posts and threads, as the real one would
    when the process starts (so looking for a cut-short try in a thread finds the thread),
    none of them counted as made by the process under test."""
    fake = FakeSlack()
    for channel, held in seeded.items():
        for ts, message in held.items():
            user = str(message.get("user") or message.get("bot_id"))
            text, thread_ts = str(message.get("text", "")), message.get("thread_ts")
            fake.hold_message(channel, user, text, thread_ts, ts)
    await fake.start()
    return fake


def environment(fake: FakeSlack, database_url: str, lease_s: float = LEASE_S) -> dict[str, str]:
    return slack_environment(
        fake.base_url,
        database_url,
        SLACK_MODERATORS_GROUP=MODERATORS,
        REBOUND_OUTBOX_LEASE_SECONDS=str(lease_s),
    )


async def all_done(database_url: str) -> bool:
    now = "CURRENT_TIMESTAMP"
    pending = await scalar(database_url, PENDING_ROWS)
    due = await scalar(database_url, DUE_FOLLOW_UPS.format(now=now))
    return pending == 0 and due == 0


def assert_once_each(fake: FakeSlack, *, expect_rows: int) -> None:
    """Every outbox row made exactly one message; every poster was asked once."""
    marked = Counter(
        (m["metadata"]["event_payload"]["row"], m["metadata"]["event_payload"]["piece"])
        for m in fake.made()
        if m["metadata"]
    )
    twice = {key: n for key, n in marked.items() if n > 1}
    assert twice == {}, f"sent more than once: {twice}"
    assert len(marked) >= expect_rows
    unmarked = [m for m in fake.made() if not m["metadata"]]
    assert unmarked == []
    asked = Counter(m["channel"] for m in fake.made() if ASK in m["text"])
    assert asked == Counter({f"D{user}": 1 for user in POSTERS})


async def delivered_rows(database_url: str) -> int:
    return await scalar(
        database_url,
        "SELECT count(*) FROM outbound WHERE delivered_at IS NOT NULL "
        "AND delivered_ref IS NOT NULL AND gave_up_at IS NULL",
    )


def arm(fake: FakeSlack, kill_point: str) -> None:
    match kill_point:
        case "before_the_first_call":
            fake.hold("chat.postMessage")
        case "between_calls":
            fake.hold("chat.postMessage", after=3)
        case "during_an_unanswered_call":
            fake.hold_answer("chat.postMessage", after=3)


async def reached(fake: FakeSlack, kill_point: str) -> None:
    match kill_point:
        case "before_the_first_call":
            await fake.wait_for(lambda f: f.arrivals("chat.postMessage") >= 1, 60)
            assert fake.made() == []
        case "between_calls":
            # Three made and answered; the next ones (four senders) wait before acting.
            await fake.wait_for(
                lambda f: len(f.posts()) == 3 and f.arrivals("chat.postMessage") >= 4, 60
            )
            assert len(fake.made()) == 3
        case "during_an_unanswered_call":
            await fake.wait_for(
                lambda f: len(f.posts()) == 3 and bool(f.of_unanswered("chat.postMessage")), 60
            )
            assert len(fake.made()) > len(fake.posts())  # made, and not yet answered


@pytest.mark.parametrize("kill_point", KILL_POINTS)
async def test_killed_mid_batch_then_restarted_asks_everyone_once(
    sqlite_url: str, tmp_path: Path, kill_point: str
) -> None:
    fake = await slack_holding(await seed(sqlite_url))
    fake.delay_s = 0.1
    arm(fake, kill_point)
    env = environment(fake, sqlite_url)
    log = tmp_path / "rebound.log"
    try:
        await crash_then_recover(
            ["slack", "--port", "0"],
            env,
            log,
            kill_when=lambda: reached(fake, kill_point),
            restart_when=fake.release,
            done=lambda: all_done(sqlite_url),
        )
        assert_once_each(fake, expect_rows=len(POSTERS))
        assert await delivered_rows(sqlite_url) >= len(fake.made())
        assert "Traceback" not in log.read_text()
    finally:
        await fake.stop()


@pytest.mark.postgres
async def test_two_processes_on_one_database_with_a_slow_slack_send_once(
    postgres_url: str, tmp_path: Path
) -> None:
    fake = await slack_holding(await seed(postgres_url))
    fake.delay_s = SLOW_SLACK_S
    env = environment(fake, postgres_url, lease_s=SLOW_LEASE_S)
    try:
        async with (
            running(["slack", "--port", "0"], env, tmp_path / "a.log"),
            running(["slack", "--port", "0"], env, tmp_path / "b.log"),
        ):
            await eventually(lambda: all_done(postgres_url), timeout_s=180)
        assert_once_each(fake, expect_rows=len(POSTERS))
    finally:
        await fake.stop()
