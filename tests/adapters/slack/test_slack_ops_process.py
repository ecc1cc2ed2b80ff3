"""The real `rebound slack` process: JSON log lines (`REBOUND_LOG_FORMAT=json`) that carry
the event's fields and never a member's words; Socket Mode's /readyz and /metrics."""

from __future__ import annotations

import json
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.adapters.slack.fake_slack import FakeSlack, SocketModeScript, envelope, member
from tests.adapters.slack.process import SlackProcess, environment
from tests.adapters.slack.slack_requests import JSON, SlackRequests
from tests.adapters.slack.workspace import SUPPORT

POSTER = "U0CANARYPOSTER"
CANARY = "Zyxwquorbel"  # a word nobody else writes: it must never reach the log


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    running = FakeSlack(users={POSTER: member(POSTER, "Quillon Marchbanks")})
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


async def test_json_logs_carry_the_events_fields_and_never_a_members_words(
    fake: FakeSlack, tmp_path: Path
) -> None:
    requests = SlackRequests()
    env = environment(fake.base_url, tmp_path / "rebound.db", REBOUND_LOG_FORMAT="json")
    rebound = await SlackProcess(env, tmp_path).start()
    try:
        ts = requests.next_ts()
        message = requests.message(POSTER, f"{CANARY} after four rounds.", SUPPORT, ts=ts)
        body = requests.event(message, event_id="EvCANARY1")
        async with aiohttp.ClientSession() as http:
            for _ in range(2):  # the second is a redelivery
                async with http.post(
                    f"{rebound.url}/slack/events", data=body, headers=requests.headers(body, JSON)
                ) as response:
                    assert response.status == 200
        await rebound.logged('"result": "redelivery"')
    finally:
        rebound.signal(signal.SIGTERM)
        assert await rebound.exit_code() == 0

    lines = [json.loads(line) for line in rebound.log]  # every line is one JSON object
    assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    handled = [line for line in lines if line.get("event_id") == "EvCANARY1"]
    assert [line["result"] for line in handled] == ["applied", "redelivery"]
    for line in handled:
        assert line["event_kind"] == "MessagePosted"
        assert line["community_id"].startswith("slack:")
        assert isinstance(line["latency_ms"], float)
    everything = "\n".join(rebound.log)
    assert CANARY not in everything
    assert "Quillon" not in everything
    assert "Traceback" not in everything


async def test_socket_mode_is_ready_once_connected_and_serves_metrics(
    fake: FakeSlack, tmp_path: Path
) -> None:
    script = SocketModeScript()
    fake.socket_mode = script.serve
    env = environment(fake.base_url, tmp_path / "rebound.db", SLACK_APP_TOKEN="xapp-test")
    rebound = await SlackProcess(env, tmp_path).start()
    requests = SlackRequests()
    try:
        message = requests.message(POSTER, "Rejected again.", SUPPORT, ts=requests.next_ts())
        script.push(envelope("env-1", json.loads(requests.event(message))))
        await script.wait_for_acks(1)
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{rebound.url}/readyz") as ready:
                assert ready.status == 200
                assert await ready.json() == {
                    "database": "ok",
                    "slack": "ok",
                    "slack_socket_mode": "ok",
                }
            async with http.get(f"{rebound.url}/metrics") as scraped:
                exposition = await scraped.text()
        assert 'rebound_events_total{kind="MessagePosted",result="applied"} 1.0' in exposition
        assert 'rebound_ack_seconds_count{adapter="slack_socket"} 1.0' in exposition
        assert POSTER not in exposition
    finally:
        rebound.signal(signal.SIGTERM)
        assert await rebound.exit_code() == 0
