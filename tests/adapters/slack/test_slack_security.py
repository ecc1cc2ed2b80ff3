"""Over real HTTP: signatures, timestamps and replays; the bot's own messages; /healthz."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time

import pytest

from tests.adapters.slack.conftest import Served
from tests.adapters.slack.fake_slack import BOT_ID, BOT_USER
from tests.adapters.slack.slack_requests import FORM, JSON, SIGNING_SECRET
from tests.adapters.slack.workspace import SUPPORT, Workspace


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


def _signed_bytes(raw: bytes, content_type: str, secret: str = SIGNING_SECRET) -> dict[str, str]:
    """Slack's v0 signature over raw bytes (also bytes that are not UTF-8)."""
    stamp = str(int(time.time()))
    base = b"v0:" + stamp.encode() + b":" + raw
    return {
        "content-type": content_type,
        "x-slack-request-timestamp": stamp,
        "x-slack-signature": "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest(),
    }


CANARY = "canary-7f3a"


def _strangers_bodies(ws: Workspace) -> list[tuple[str, bytes, dict[str, str], int]]:
    """(what, raw body, headers, expected status): what anyone who finds the URL can send."""
    event = _adoptable(ws).replace("Rejected", f"Rejected {CANARY}").encode()
    truncated = event[: len(event) // 2]
    not_json = f'{{not json "{CANARY}"'.encode()
    broken_form = f"payload=%7B%22type%22%3A%20%22{CANARY}".encode()
    not_utf8 = b'{"type": "event_callback", "x": "' + CANARY.encode() + b'\xff\xfe"}'
    return [
        ("unsigned", event, {"content-type": JSON}, 401),
        ("forged", event, _signed_bytes(event, JSON, secret="guessed"), 401),
        ("truncated after signing", truncated, _signed_bytes(event, JSON), 401),
        ("unsigned and not UTF-8", not_utf8, {"content-type": JSON}, 401),
        ("signed, truncated", truncated, _signed_bytes(truncated, JSON), 400),
        ("signed, not JSON", not_json, _signed_bytes(not_json, JSON), 400),
        ("signed, broken payload form", broken_form, _signed_bytes(broken_form, FORM), 400),
        ("signed, not UTF-8", not_utf8, _signed_bytes(not_utf8, JSON), 400),
        ("signed, a JSON list", b"[1, 2]", _signed_bytes(b"[1, 2]", JSON), 400),
    ]


async def test_strangers_bodies_are_refused_before_parsing_without_a_traceback(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    ws = served.ws
    caplog.set_level(logging.DEBUG)
    before_rows, before_calls = await ws.row_counts(), len(ws.fake.calls)

    statuses = {
        what: (await served.post(raw, headers))[0]
        for what, raw, headers, _ in _strangers_bodies(ws)
    }

    assert statuses == {what: status for what, _, _, status in _strangers_bodies(ws)}
    assert await ws.row_counts() == before_rows
    assert len(ws.fake.calls) == before_calls
    assert not [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()]
    assert CANARY not in caplog.text
    # One line for the lot (rate-limited), counting what was refused.
    refusals = [r.getMessage() for r in caplog.records if r.name == "adapters.slack.http"]
    assert refusals == ["refused Slack requests: 1 unsigned or forged (401)"]
    # A body with the right shape still works after all that.
    body = _adoptable(ws)
    status, _ = await served.post(body, ws.requests.headers(body, JSON))
    assert status == 200
    assert (await ws.row_counts())["setback"] == 1


async def test_a_modal_whose_private_metadata_was_tampered_with_is_refused_privately(
    slack: Workspace,
) -> None:
    await slack.command("U0LENA")
    modal = slack.last_modal()
    channel, _, seal = modal["private_metadata"].rpartition(".")
    assert channel == SUPPORT and seal  # the form's channel, sealed by Rebound

    for forged in (f"C0ELSEWHERE.{seal}", "C0ELSEWHERE", ""):
        response = await slack.submit(
            "U0LENA", {**modal, "private_metadata": forged}, title="Rejected", body="Short."
        )
        assert response.status == 200
        assert response.body == ""  # the modal closes

    assert (await slack.row_counts())["setback"] == 0
    refusals = slack.fake.texts("DU0LENA")
    assert len(refusals) == 3
    assert all("no longer open" in text for text in refusals)
    assert not [c for c in slack.fake.calls if c.channel == "C0ELSEWHERE"]
    # The untouched modal still works.
    await slack.submit("U0LENA", modal, title="Rejected", body="Short.")
    assert (await slack.row_counts())["setback"] == 1


async def test_an_adapter_failure_is_logged_without_its_message(
    slack: Workspace, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def failing_lookup(*_args: object) -> None:
        raise RuntimeError(f"profile of {CANARY}: what they wrote")

    monkeypatch.setattr(slack.adapter.directory, "member", failing_lookup)

    command = await slack.command("U0LENA")
    reply = await slack.event(
        slack.requests.message(
            "U0PRIYA", f"{CANARY} in a thread", SUPPORT, ts="9.2", thread_ts="9.1"
        )
    )

    assert command.status == 500
    assert reply.status == 500  # not acknowledged: Slack will send it again
    assert CANARY not in caplog.text
    failures = [
        r.getMessage() for r in caplog.records if "a Slack listener failed" in r.getMessage()
    ]
    assert len(failures) == 2
    assert all("RuntimeError" in line for line in failures)
