"""Uninstalling (or revoking the bot's token) removes the installation and stops every send
to that workspace: undelivered rows dropped with a log line, follow-ups cancelled, later
requests from it ignored; other workspaces go on."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import text

from tests.adapters.slack.fake_slack import server_error
from tests.adapters.slack.installs import Host, host
from tests.adapters.slack.workspace import SUPPORT, Workspace, workspace


async def _pending(h: Host | Workspace, community: str) -> tuple[int, int]:
    """(undelivered outbox rows, pending follow-ups) of a community."""
    async with h.adapter.core.store.engine.connect() as db:
        outbound = await db.execute(
            text(
                "SELECT count(*) FROM outbound WHERE community_id = :c "
                "AND delivered_at IS NULL AND gave_up_at IS NULL"
            ),
            {"c": community},
        )
        follow_ups = await db.execute(
            text("SELECT count(*) FROM follow_up WHERE community_id = :c AND done_at IS NULL"),
            {"c": community},
        )
        return int(outbound.scalar_one()), int(follow_ups.scalar_one())


async def _leave(ws: Workspace, kind: str) -> None:
    event = (
        {"type": "app_uninstalled"}
        if kind == "app_uninstalled"
        else {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["U0BOTT0ALPHA"]}}
    )
    response = await ws.event(event)
    assert response.status == 200


@pytest.mark.parametrize("kind", ["app_uninstalled", "tokens_revoked"])
async def test_leaving_a_workspace_stops_every_send_to_it(
    sqlite_url: str, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with host(sqlite_url) as h:
        alpha = await h.install("T0ALPHA")
        beta = await h.install("T0BETA")
        thread = await alpha.share("U0LENA", title="Ghosted", body="No answer.")
        await beta.share("U0DEV", title="Rejected", body="After four rounds.")
        # A day later the unanswered post's nudge is due; Slack fails it, so it waits.
        h.fake.script("chat.postMessage", *[server_error()] * 20)
        await alpha.wait(timedelta(hours=25))
        h.fake.scripted.clear()
        assert (await _pending(h, "slack:T0ALPHA"))[0] >= 1
        assert (await _pending(h, "slack:T0ALPHA"))[1] >= 1
        caplog.set_level(logging.INFO)

        await _leave(alpha, kind)

        assert await _pending(h, "slack:T0ALPHA") == (0, 0)
        lines = [r.getMessage() for r in caplog.records if "installation removed" in r.message]
        assert lines
        assert "follow-ups cancelled" in lines[0]
        assert await h.adapter.distribution.installations.find("slack:T0ALPHA") is None  # type: ignore[union-attr]
        alpha_token, beta_token = h.token_of("T0ALPHA"), h.token_of("T0BETA")
        sent_before = len([c for c in h.fake.calls if c.token == alpha_token])

        await alpha.say("U0TOMAS", "Anyone there?", thread=thread)
        await alpha.wait(timedelta(days=40))  # every follow-up would be due by now

        assert len([c for c in h.fake.calls if c.token == alpha_token]) == sent_before
        assert [c for c in h.fake.calls if c.token == beta_token and c.channel == SUPPORT]
        assert (await _pending(h, "slack:T0BETA"))[1] == 0  # Beta's follow-ups went out


@pytest.mark.parametrize("kind", ["app_uninstalled", "tokens_revoked"])
async def test_the_environments_one_workspace_leaving_stops_every_send_too(
    sqlite_url: str, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with workspace(sqlite_url) as ws:
        started = [r.getMessage() for r in caplog.records if "from the environment" in r.message]
        assert started == [
            "Slack adapter serving one workspace, slack:T0REBOUND, set up from the environment "
            "(SLACK_*)"
        ]
        thread = await ws.share("U0LENA", title="Ghosted", body="No answer.")
        ws.fake.script("chat.postMessage", *[server_error()] * 20)
        await ws.wait(timedelta(hours=25))
        ws.fake.scripted.clear()
        assert (await _pending(ws, "slack:T0REBOUND")) >= (1, 1)

        await _leave(ws, kind)

        assert await _pending(ws, "slack:T0REBOUND") == (0, 0)
        assert any("installation removed from slack:T0REBOUND" in r.message for r in caplog.records)
        calls_before = len(ws.fake.calls)
        await ws.say("U0TOMAS", "Anyone there?", thread=thread)
        await ws.command("U0DEV", "/setback")
        await ws.wait(timedelta(days=40))  # every follow-up would be due by now
        assert ws.fake.calls[calls_before:] == []
