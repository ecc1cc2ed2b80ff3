"""The real `rebound slack` process: what it acknowledged is stored, even when killed.

A burst of thread replies sent at once, over real HTTP (signed) or Socket Mode (the
fake's websocket); SIGKILL the moment the last acknowledgement arrives: every acknowledged
event is in the database (stored before its ack, decided after it), and a restart decides
what was left undecided. SIGTERM mid-burst: every acknowledged event decided, exit code 0.
"""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.adapters.slack.fake_slack import (
    TEAM_ID,
    FakeSlack,
    Scripted,
    SocketModeScript,
    envelope,
    member,
    server_error,
)
from tests.adapters.slack.process import (
    START_TIMEOUT_S,
    SlackProcess,
    count,
    environment,
    missing,
    undecided,
)
from tests.adapters.slack.slack_requests import JSON, SlackRequests
from tests.adapters.slack.workspace import SUPPORT
from tests.processes import eventually

BURST = 40
APP_TOKEN = "xapp-test-token"
POSTER = "U0LENA"
HELPERS_IDS = [f"U0HELPER{n:02d}" for n in range(BURST)]


@dataclass
class Setup:
    fake: FakeSlack
    database: Path
    folder: Path
    requests: SlackRequests

    def process(self, **extra: str) -> SlackProcess:
        return SlackProcess(environment(self.fake.base_url, self.database, **extra), self.folder)

    async def socket_mode(self) -> tuple[SocketModeScript, SlackProcess]:
        """The fake's websocket scripted, and a started process in Socket Mode."""
        script = SocketModeScript()
        self.fake.socket_mode = script.serve
        return script, await self.process(SLACK_APP_TOKEN=APP_TOKEN).start()


@pytest.fixture
async def setup(tmp_path: Path) -> AsyncIterator[Setup]:
    users = {uid: member(uid, uid.title()) for uid in [POSTER, *HELPERS_IDS]}
    fake = FakeSlack(users=users)
    await fake.start()
    try:
        yield Setup(fake, tmp_path / "rebound.db", tmp_path, SlackRequests())
    finally:
        await fake.stop()


def _post(requests: SlackRequests) -> tuple[str, str]:
    """A member's top-level message in the support channel (adopted as a post): its body
    and its ts, the thread the burst replies in."""
    ts = requests.next_ts()
    return requests.event(
        requests.message(POSTER, "Rejected after four rounds.", SUPPORT, ts=ts)
    ), ts


def _replies(requests: SlackRequests, thread_ts: str) -> list[tuple[str, str]]:
    """(event id, body) of one reply per helper in the thread."""
    replies = []
    for n, user in enumerate(HELPERS_IDS):
        event_id = f"EvBURST{n:04d}"
        message = requests.message(
            user,
            f"Reply {n}: ask for feedback.",
            SUPPORT,
            ts=requests.next_ts(),
            thread_ts=thread_ts,
        )
        replies.append((event_id, requests.event(message, event_id=event_id)))
    return replies


async def _send(
    http: aiohttp.ClientSession, url: str, requests: SlackRequests, body: str
) -> int | None:
    """The HTTP status, or None when the request got no answer (the process went away)."""
    try:
        async with http.post(
            f"{url}/slack/events", data=body, headers=requests.headers(body, JSON)
        ) as response:
            await response.read()
            return response.status
    except aiohttp.ClientError:
        return None


async def _open_post(setup: Setup, rebound: SlackProcess, http: aiohttp.ClientSession) -> str:
    body, ts = _post(setup.requests)
    assert await _send(http, rebound.url, setup.requests, body) == 200
    assert missing([json.loads(body)["event_id"]], setup.database) == set()  # stored: acked
    await _decided(setup.database, [json.loads(body)["event_id"]])
    return ts


async def _decided(database: Path, acknowledged: list[str]) -> None:
    """Until every acknowledged event is decided (after its ack, or by a replay)."""

    async def all_decided() -> bool:
        return undecided(acknowledged, database) == set()

    await eventually(all_decided, timeout_s=60, every_s=0.1)


def _no_tracebacks(rebound: SlackProcess) -> None:
    assert "Traceback" not in rebound.output(), rebound.output()


async def _restart_and_check(
    setup: Setup, killed: SlackProcess, acknowledged: list[str], **extra: str
) -> None:
    """After SIGKILL: a restart comes up, every acknowledged reply is stored (once), and
    the restarted process stops cleanly; neither run logged a traceback."""
    assert missing(acknowledged, setup.database) == set()
    restarted = await setup.process(**extra).start()
    try:
        await _decided(setup.database, acknowledged)
        assert count(setup.database, "reply") == len(acknowledged)
        assert count(setup.database, "accepted_event") == 0
    finally:
        restarted.signal(signal.SIGTERM)
        assert await restarted.exit_code() == 0
    _no_tracebacks(killed)
    _no_tracebacks(restarted)


async def test_http_burst_killed_at_the_last_ack_loses_nothing_acknowledged(setup: Setup) -> None:
    rebound = await setup.process().start()
    async with aiohttp.ClientSession() as http:
        try:
            thread_ts = await _open_post(setup, rebound, http)
            replies = _replies(setup.requests, thread_ts)
            acknowledged: list[str] = []

            async def reply(event_id: str, body: str) -> None:
                if await _send(http, rebound.url, setup.requests, body) == 200:
                    acknowledged.append(event_id)
                    if len(acknowledged) == BURST:
                        rebound.signal(signal.SIGKILL)

            await asyncio.gather(*(reply(event_id, body) for event_id, body in replies))
            assert await rebound.exit_code() == -signal.SIGKILL
        finally:
            await rebound.kill()

    assert len(acknowledged) == BURST
    await _restart_and_check(setup, rebound, acknowledged)


async def test_http_sigterm_mid_burst_stores_every_ack_and_exits_0(setup: Setup) -> None:
    rebound = await setup.process().start()
    async with aiohttp.ClientSession() as http:
        try:
            thread_ts = await _open_post(setup, rebound, http)
            acknowledged: list[str] = []

            async def reply(event_id: str, body: str) -> None:
                if await _send(http, rebound.url, setup.requests, body) == 200:
                    acknowledged.append(event_id)
                    if len(acknowledged) == BURST // 4:
                        rebound.signal(signal.SIGTERM)

            replies = _replies(setup.requests, thread_ts)
            await asyncio.gather(*(reply(event_id, body) for event_id, body in replies))
            assert await rebound.exit_code() == 0
        finally:
            await rebound.kill()

    assert len(acknowledged) >= BURST // 4
    assert undecided(acknowledged, setup.database) == set()  # a stop decides what it acked
    _no_tracebacks(rebound)


def _socket_burst(setup: Setup, thread_ts: str) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """Envelopes of the burst, and which event id each envelope carries."""
    by_envelope: dict[str, str] = {}
    envelopes = []
    for n, (event_id, body) in enumerate(_replies(setup.requests, thread_ts)):
        by_envelope[f"env-{n}"] = event_id
        envelopes.append(envelope(f"env-{n}", json.loads(body)))
    return by_envelope, envelopes


async def _socket_post(setup: Setup, script: SocketModeScript) -> str:
    body, ts = _post(setup.requests)
    script.push(envelope("env-post", json.loads(body)))
    await script.wait_for_acks(1)
    assert missing([json.loads(body)["event_id"]], setup.database) == set()  # stored: acked
    await _decided(setup.database, [json.loads(body)["event_id"]])
    return ts


async def test_socket_mode_burst_killed_at_the_last_ack_loses_nothing_acknowledged(
    setup: Setup,
) -> None:
    script, rebound = await setup.socket_mode()
    try:
        thread_ts = await _socket_post(setup, script)
        by_envelope, envelopes = _socket_burst(setup, thread_ts)
        script.push(*envelopes)
        await script.wait_for_acks(1 + BURST)
        rebound.signal(signal.SIGKILL)
        assert await rebound.exit_code() == -signal.SIGKILL
    finally:
        await rebound.kill()

    acknowledged = [by_envelope[e] for e in script.acked_ids() if e in by_envelope]
    assert len(acknowledged) == BURST
    await _restart_and_check(setup, rebound, acknowledged, SLACK_APP_TOKEN=APP_TOKEN)


async def test_socket_mode_sigterm_mid_burst_stores_every_ack_and_exits_0(setup: Setup) -> None:
    script, rebound = await setup.socket_mode()
    try:
        thread_ts = await _socket_post(setup, script)
        by_envelope, envelopes = _socket_burst(setup, thread_ts)
        script.push(*envelopes)
        await script.wait_for_acks(1 + BURST // 4)
        rebound.signal(signal.SIGTERM)
        assert await rebound.exit_code() == 0
    finally:
        await rebound.kill()

    acknowledged = [by_envelope[e] for e in script.acked_ids() if e in by_envelope]
    assert len(acknowledged) >= BURST // 4
    assert undecided(acknowledged, setup.database) == set()  # a stop decides what it acked
    _no_tracebacks(rebound)


async def test_a_transient_auth_test_failure_is_retried_and_named(setup: Setup) -> None:
    setup.fake.script("auth.test", server_error())
    rebound = await setup.process(SLACK_STARTUP_FIRST_RETRY_S="0.05").start()
    rebound.signal(signal.SIGTERM)

    assert await rebound.exit_code() == 0
    assert [c.status for c in setup.fake.calls if c.method == "auth.test"][:2] == [500, 200]
    assert "auth.test failed (HTTP 500 internal_error); retrying" in rebound.output()
    _no_tracebacks(rebound)


@pytest.mark.parametrize(
    ("method", "extra", "message"),
    [
        ("auth.test", {}, "Slack did not accept the bot token (SLACK_BOT_TOKEN): invalid_auth"),
        (
            "apps.connections.open",
            {"SLACK_APP_TOKEN": "xapp-revoked"},
            "Slack did not accept the app token (SLACK_APP_TOKEN): invalid_auth",
        ),
    ],
)
async def test_a_refused_token_exits_with_a_clear_message(
    setup: Setup, method: str, extra: dict[str, str], message: str
) -> None:
    setup.fake.script(method, Scripted(200, {"ok": False, "error": "invalid_auth"}))
    rebound = await setup.process(**extra).start(wait=False)

    assert await rebound.exit_code() == 1
    assert message in rebound.output()
    assert "xapp-revoked" not in rebound.output()
    assert len(setup.fake.of(method)) == 1  # refused once, not retried
    _no_tracebacks(rebound)


async def test_socket_mode_serves_healthz_and_acknowledges_what_no_listener_takes(
    setup: Setup,
) -> None:
    script, rebound = await setup.socket_mode()
    try:
        async with aiohttp.ClientSession() as http, http.get(f"{rebound.url}/healthz") as health:
            assert health.status == 200
        mention = setup.requests.event(
            {"type": "app_mention", "user": POSTER, "text": "<@U0REBOUNDBOT> hi", "ts": "3.1"}
        )
        closed = {"type": "view_closed", "team": {"id": TEAM_ID}, "user": {"id": POSTER}}
        script.push(
            envelope("env-mention", json.loads(mention)),
            envelope("env-closed", {**closed, "view": {"id": "V1"}}, kind="interactive"),
        )
        await script.wait_for_acks(2)
        assert sorted(script.acked_ids()) == ["env-closed", "env-mention"]
    finally:
        rebound.signal(signal.SIGTERM)
        assert await rebound.exit_code() == 0
    _no_tracebacks(rebound)


async def test_a_stop_while_start_up_retries_exits_0_at_once(setup: Setup) -> None:
    setup.fake.script("auth.test", server_error(), server_error())
    rebound = await setup.process(SLACK_STARTUP_FIRST_RETRY_S="600").start(wait=False)
    # The process starts up first: as long as a start may take on a busy machine.
    await setup.fake.wait_for(
        lambda fake: any(c.method == "auth.test" for c in fake.calls), START_TIMEOUT_S
    )

    rebound.signal(signal.SIGTERM)

    assert await rebound.exit_code() == 0
    assert "stopped while starting" in rebound.output()
    _no_tracebacks(rebound)


async def test_a_stop_finishes_the_delivery_in_flight_before_exiting(setup: Setup) -> None:
    slow = setup.fake.hold("chat.postMessage")
    rebound = await setup.process().start()
    try:
        async with aiohttp.ClientSession() as http:
            thread_ts = await _open_post(setup, rebound, http)  # acknowledged once stored
        # Its status message is on its way to Slack, which has not answered yet.
        await setup.fake.wait_for(
            lambda fake: any(a.method == "chat.postMessage" for a in fake.arrived)
        )
        rebound.signal(signal.SIGTERM)
        await rebound.logged("stop: finishing 1 in flight")
        slow.set()
        assert await rebound.exit_code() == 0
    finally:
        await rebound.kill()

    (status,) = setup.fake.posts(SUPPORT)
    assert status.params["thread_ts"] == thread_ts
    assert "still running" not in rebound.output()
    _no_tracebacks(rebound)
