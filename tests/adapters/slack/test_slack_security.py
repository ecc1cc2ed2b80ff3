"""Over real HTTP: signatures, timestamps and replays; the bot's own messages; /healthz."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
from aiohttp import web

from tests.adapters.slack.fake_slack import BOT_ID, BOT_USER
from tests.adapters.slack.slack_requests import FORM, JSON
from tests.adapters.slack.workspace import SUPPORT, Workspace, workspace


@dataclass
class Served:
    ws: Workspace
    url: str
    http: aiohttp.ClientSession

    async def post(self, body: str, headers: dict[str, str]) -> tuple[int, str]:
        async with self.http.post(f"{self.url}/slack/events", data=body, headers=headers) as r:
            return r.status, await r.text()


@pytest.fixture
async def served(sqlite_url: str) -> AsyncIterator[Served]:
    async with workspace(sqlite_url) as ws:
        runner = web.AppRunner(ws.adapter.web_app(), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        port = runner.addresses[0][1]
        async with aiohttp.ClientSession() as http:
            yield Served(ws, f"http://127.0.0.1:{port}", http)
        await runner.cleanup()


def _adoptable(ws: Workspace) -> str:
    """A top-level message in the support channel: a valid one would become a post."""
    event = ws.requests.message("U0TOMAS", "Rejected after the final round.", SUPPORT, ts="1.1")
    return ws.requests.event(event)


async def test_the_url_verification_challenge_is_answered(served: Served) -> None:
    body = json.dumps({"token": "t", "challenge": "c-123", "type": "url_verification"})

    status, text = await served.post(body, served.ws.requests.headers(body, JSON))

    assert status == 200
    assert "c-123" in text


async def test_healthz_answers(served: Served) -> None:
    async with served.http.get(f"{served.url}/healthz") as response:
        assert response.status == 200


@pytest.mark.parametrize(
    "tamper",
    ["bad_signature", "wrong_secret", "no_signature", "no_timestamp", "stale", "future"],
)
async def test_unsigned_or_stale_requests_are_refused_and_change_nothing(
    served: Served, tamper: str
) -> None:
    ws = served.ws
    before_rows, before_calls = await ws.row_counts(), len(ws.fake.calls)
    for body, kind in (
        (_adoptable(ws), JSON),
        (ws.requests.command("U0LENA", "Lena", "/setback", SUPPORT), FORM),
    ):
        headers = ws.requests.headers(body, kind)
        match tamper:
            case "bad_signature":
                headers["x-slack-signature"] = "v0=" + "0" * 64
            case "wrong_secret":
                headers = ws.requests.headers(body, kind, secret="not-the-secret")
            case "no_signature":
                del headers["x-slack-signature"]
            case "no_timestamp":
                del headers["x-slack-request-timestamp"]
            case "stale":
                headers = ws.requests.headers(body, kind, timestamp=int(time.time()) - 301)
            case "future":
                headers = ws.requests.headers(body, kind, timestamp=int(time.time()) + 301)
        status, _ = await served.post(body, headers)
        assert status == 401
    assert await ws.row_counts() == before_rows
    assert len(ws.fake.calls) == before_calls


async def test_a_signed_request_is_taken(served: Served) -> None:
    body = _adoptable(served.ws)
    status, _ = await served.post(body, served.ws.requests.headers(body, JSON))

    assert status == 200
    assert (await served.ws.row_counts())["setback"] == 1


async def test_event_retries_and_repeats_make_one_post_and_one_message(served: Served) -> None:
    ws = served.ws
    body = _adoptable(ws)
    for retry in (None, "1", "2"):
        headers = ws.requests.headers(body, JSON)
        if retry:
            headers |= {"x-slack-retry-num": retry, "x-slack-retry-reason": "http_timeout"}
        status, _ = await served.post(body, headers)
        assert status == 200
    # The same message under another event id (Slack sends some twice).
    again = ws.requests.event(
        ws.requests.message("U0TOMAS", "Rejected after the final round.", SUPPORT, ts="1.1")
    )
    await served.post(again, ws.requests.headers(again, JSON))

    assert (await ws.row_counts())["setback"] == 1
    assert len(ws.fake.posts(SUPPORT)) == 1


async def test_a_replayed_command_opens_one_modal(served: Served) -> None:
    ws = served.ws
    body = ws.requests.command("U0LENA", "Lena", "/setback", SUPPORT)
    for _ in range(3):
        status, _ = await served.post(body, ws.requests.headers(body, FORM))
        assert status == 200

    assert len(ws.fake.of("views.open")) == 1


async def test_the_bot_ignores_its_own_messages_and_other_bots(slack: Workspace) -> None:
    own = slack.requests.message(BOT_USER, "Open for replies.", SUPPORT, ts="2.1")
    other_bot = slack.requests.message("U0OTHERBOT", "Deploy finished", SUPPORT, ts="2.2")
    other_bot |= {"subtype": "bot_message", "bot_id": "B0OTHER"}
    relayed = slack.requests.message(BOT_USER, "relayed", SUPPORT, ts="2.3", thread_ts="2.1")
    relayed["bot_id"] = BOT_ID
    # An app posting with its bot token: a user id and a bot_id, but no subtype.
    other_app = slack.requests.message(
        "U0OTHERAPP", "Weekly digest of open roles", SUPPORT, ts="2.4"
    )
    other_app["bot_id"] = "B0OTHERAPP"
    for event in (own, other_bot, relayed, other_app):
        await slack.event(event)

    assert (await slack.row_counts())["setback"] == 0
    assert slack.fake.posts() == []
