"""Slack's refusals classified, metadata on every stored message, and a notice that meets a
429 is not dropped."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from bot.store.repo import OutboxState
from tests.adapters.slack.fake_slack import rate_limited
from tests.adapters.slack.workspace import SUPPORT, Workspace

LENA, DEV = "U0LENA", "U0DEV"


async def outbox_states(slack: Workspace) -> dict[OutboxState, int]:
    async with slack.adapter.core.store.transaction() as repo:
        return await repo.outbound.counts()


CANARY = "Lena" + "canary wrote this"


async def test_a_permanent_refusal_is_given_up_at_once_with_its_code(
    slack: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    # The bot was removed from the support channel: the post's thread cannot start.
    slack.fake.refuse(SUPPORT, "not_in_channel")
    with caplog.at_level(logging.WARNING):
        await slack.command(LENA)
        await slack.submit(
            LENA, slack.last_modal(), title="Ghosted after the final round", body="x"
        )
        await slack.wait(timedelta(hours=2))

    tries = [c for c in slack.fake.calls if c.method == "chat.postMessage" and c.channel == SUPPORT]
    assert [c.answer.get("error") for c in tries] == ["not_in_channel"]
    async with slack.adapter.core.store.transaction() as repo:
        (row, *_rest) = await repo.outbound.given_up()
    assert row.intent["__type__"] == "StartThread"
    assert (row.last_error, row.last_error_kind) == ("not_in_channel", "permanent")
    counts = await outbox_states(slack)
    assert counts[OutboxState.PENDING] == 0
    assert counts[OutboxState.GIVEN_UP] == 1
    assert "not_in_channel" in caplog.text
    assert "Ghosted after" not in caplog.text

    # The bot is invited back; retrying the thread's row retries the rest of its source.
    async with slack.adapter.core.store.transaction() as repo:
        assert (
            await repo.outbound.retry([row.id], slack.clock.now()) == counts[OutboxState.GIVEN_UP]
        )
    await slack.wait(timedelta(seconds=1))
    assert len([m for m in slack.fake.made(SUPPORT) if m["thread_ts"] is None]) == 1
    assert (await outbox_states(slack))[OutboxState.GIVEN_UP] == 0


async def test_a_transient_refusal_backs_off_and_goes_once(slack: Workspace) -> None:
    slack.fake.refuse(SUPPORT, "fatal_error")
    await slack.command(LENA)
    await slack.submit(LENA, slack.last_modal(), title="Ghosted", body="Not a word since.")
    assert slack.fake.made(SUPPORT) == []

    await slack.wait(timedelta(seconds=29))
    assert slack.fake.made(SUPPORT) == []
    await slack.wait(timedelta(seconds=1))
    assert len(slack.fake.made(SUPPORT)) == 1
    assert (await outbox_states(slack))[OutboxState.PENDING] == 0


async def test_every_stored_message_names_its_outbox_row_in_metadata(slack: Workspace) -> None:
    await slack.share(LENA)

    (root,) = slack.fake.posts(SUPPORT)
    assert root.params["metadata"]["event_type"] == "rebound_outbound"
    assert root.params["metadata"]["event_payload"]["piece"] == 0
    async with slack.adapter.core.store.transaction() as repo:
        counts = await repo.outbound.counts()
    assert counts[OutboxState.DELIVERED] >= 1


async def test_a_rate_limited_notice_falls_back_to_a_dm(slack: Workspace) -> None:
    thread = await slack.share(LENA, anonymous="yes")
    relay = slack.fake.posts(SUPPORT)[0].button("Reply anonymously")
    # The client waits out Retry-After and tries again (twice); still 429: a DM instead.
    slack.fake.script("chat.postEphemeral", *(rate_limited(retry_after_s=0) for _ in range(3)))

    before = len(slack.fake.calls)
    await slack.press(DEV, relay, thread)

    ephemeral = [c for c in slack.fake.calls[before:] if c.method == "chat.postEphemeral"]
    assert [c.status for c in ephemeral] == [429, 429, 429]
    assert len(slack.fake.posts(f"D{DEV}")) == 1


async def test_a_listener_error_is_logged_without_its_message(
    slack: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken() -> None:
        raise RuntimeError(CANARY)  # tracebacks show this line: the canary is not on it

    slack.adapter.app.event("team_join")(broken)
    with caplog.at_level(logging.DEBUG):
        await slack.event({"type": "team_join", "user": {"id": "U0NEW"}})

    assert "a Slack listener failed with RuntimeError" in caplog.text
    assert "Lenacanary" not in caplog.text
