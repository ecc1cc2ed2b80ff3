"""No log line, at any level, carries members' words, names, platform ids or tokens: a
whole story of care and members' data (a crisis, alerts and resumes, a reveal, relays,
exports, forget-me, DM opt-out, retention) at DEBUG, with canaries, on the core and on Slack."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from bot.contract.intents import Channel, Send
from bot.domain.model import CommunitySettings, Member
from tests.adapters.slack.workspace import workspace
from tests.care.care_support import button, press
from tests.support import JO, SAM, Harness, harness

CANARY_ID = "U-CANARY-4471"
CANARY_NAME = "Quillon Marchbanks"
CANARY_WORD = "zorblaxian"
CANARY = Member(user_id=CANARY_ID, display_name=CANARY_NAME)
SETTINGS = CommunitySettings(
    helpers_channel="helpers", moderators_channel="mods", retention_days=60, reveal_allowed=True
)


async def _story(h: Harness) -> None:
    thread = await h.post(
        CANARY, title=f"{CANARY_WORD} panel", body=f"{CANARY_WORD}: I want to die", anonymous="yes"
    )
    await h.reply(JO, thread, f"{CANARY_WORD} tip for {CANARY_NAME}")
    await h.dm(CANARY, f"{CANARY_WORD} thanks, I can't go on")
    alert = next(s for s in h.outbox.of(Send) if s.target == Channel(channel_id="mods"))
    await h.press(SAM, alert.message.buttons[0])
    await h.command(SAM, "rebound", f"reveal 1 {CANARY_WORD} reason given by a moderator")
    told = await h.command(CANARY, "rebound", "settings")
    await press(h, CANARY, button(told, "rb:dmoff"))
    await h.wait(timedelta(days=15))
    await h.command(CANARY, "rebound", "mine")
    await h.command(CANARY, "rebound", "my-data")
    await h.command(JO, "rebound", "my-data")
    asked = await h.command(CANARY, "rebound", "forget-me")
    await press(h, CANARY, button(asked, "rb:forget:"))
    await h.command(CANARY, "rebound", "my-data")
    await h.wait(timedelta(days=61))  # retention takes Jo's reply


def _assert_clean(text: str, *canaries: str) -> None:
    for canary in canaries:
        assert canary not in text, canary


async def test_the_core_logs_no_canary_at_debug(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        async with harness(sqlite_url, SETTINGS) as h:
            await _story(h)
    assert "care: screen hit" in caplog.text  # the story was logged, by ids
    assert "forget-me" in caplog.text and "my-data" in caplog.text and "revealed" in caplog.text
    _assert_clean(caplog.text, CANARY_ID, CANARY_NAME, CANARY_WORD, "want to die", "go on")


async def test_slack_logs_no_canary_at_debug(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        async with workspace(sqlite_url, moderators_channel="C0MODS") as slack:
            thread = await slack.share("U0LENA", title=CANARY_WORD, body=f"{CANARY_WORD} story")
            await slack.say("U0TOMAS", f"{CANARY_WORD}: I want to die", thread=thread)
            await slack.fake.wait_for(lambda fake: len(fake.posts("C0MODS")) == 1)
            await slack.command("U0TOMAS", "/rebound", "my-data")
            await slack.fake.wait_for(lambda fake: bool(fake.shared_files("DU0TOMAS")))
    assert "care: screen hit" in caplog.text
    _assert_clean(
        caplog.text, CANARY_WORD, "want to die", "U0TOMAS", "U0LENA", "Tomás", "xoxb-test-token"
    )
