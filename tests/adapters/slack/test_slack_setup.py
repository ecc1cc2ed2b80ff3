"""Setting Rebound up inside Slack: `/rebound setup` for admins and the installer, a modal
whose bad values are explained by field, settings stored per community and audited, in
effect at once; a workspace never set up says so."""

from __future__ import annotations

import json
import logging

import pytest
from slack_bolt.response import BoltResponse

from bot.store.community_settings_repo import CommunitySettingsStore
from tests.adapters.slack.fake_slack import member
from tests.adapters.slack.installs import INSTALLER, host
from tests.adapters.slack.workspace import Workspace

LENA, ADA = "U0LENA", "U0ADA"
STORIES, HELPERS = "C0STORIES", "C0HELPERS"


def _said(response: BoltResponse) -> str:
    """What the command's acknowledgement told the member (only they see it)."""
    return response.body or ""


async def _open_setup(ws: Workspace, user: str) -> dict[str, object]:
    opened = len(ws.fake.of("views.open"))
    response = await ws.command(user, "/rebound", text="setup")
    assert response.status == 200
    assert len(ws.fake.of("views.open")) == opened + 1, _said(response)
    return ws.last_modal()


async def test_a_workspace_never_set_up_says_so(sqlite_url: str) -> None:
    async with host(sqlite_url) as h:
        alpha = await h.install("T0ALPHA", support_channel=None)

        response = await alpha.command(LENA, "/setback")

        assert "not set up here yet" in _said(response)
        assert h.fake.of("views.open") == []


async def test_only_admins_and_the_installer_may_set_up(sqlite_url: str) -> None:
    async with host(sqlite_url) as h:
        h.fake.users[ADA] = member(ADA, "Ada", admin=True)
        alpha = await h.install("T0ALPHA", support_channel=None)

        refused = await alpha.command(LENA, "/rebound", text="setup")

        assert "Only admins" in _said(refused)
        assert h.fake.of("views.open") == []
        await _open_setup(alpha, INSTALLER)
        await _open_setup(alpha, ADA)


async def test_setup_stores_audits_joins_and_takes_effect_at_once(sqlite_url: str) -> None:
    async with host(sqlite_url) as h:
        alpha = await h.install("T0ALPHA", support_channel=None)
        modal = await _open_setup(alpha, INSTALLER)

        bad = await alpha.submit(
            INSTALLER, modal, support_channel=STORIES, nudge_after_hours="soon", locale="xx"
        )
        errors = json.loads(bad.body)["errors"]
        assert set(errors) == {"nudge_after_hours", "locale"}
        assert "soon" in errors["nudge_after_hours"]
        saved = await alpha.submit(
            INSTALLER,
            modal,
            support_channel=STORIES,
            helpers_channel=HELPERS,
            nudge_after_hours="12",
            appreciation_emoji=":tada:",
        )
        assert saved.status == 200
        assert "errors" not in (saved.body or "")

        joined = {c.params["channel"] for c in h.fake.of("conversations.join")}
        assert joined == {STORIES, HELPERS}
        store = CommunitySettingsStore(h.adapter.core.store)
        found = await store.find("slack:T0ALPHA")
        assert found is not None
        assert found.set_up
        assert found.settings.support_channel == STORIES
        assert found.settings.nudge_after_hours == 12
        assert found.settings.appreciation_emoji == "tada"
        (change,) = await store.history("slack:T0ALPHA")
        assert change["changed_by"] == INSTALLER
        assert change["changes"]["support_channel"] == ["", STORIES]
        told = [
            c for c in h.fake.of("chat.postEphemeral", "chat.postMessage") if "set up" in c.words
        ]
        assert told

        # No restart: the next /setback posts in the channel just chosen.
        await alpha.command(LENA, "/setback")
        await alpha.submit(LENA, alpha.last_modal(), title="Ghosted", body="Silence.")
        await h.fake.wait_for(lambda fake: len(fake.posts(STORIES)) == 1)


async def test_a_scope_missing_after_an_update_is_told_with_the_reinstall_link(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with host(sqlite_url, redirect_uri="https://rebound.example/slack/oauth_redirect") as h:
        h.fake.granted_scopes = "commands,chat:write"
        alpha = await h.install("T0ALPHA", support_channel=None)

        response = await alpha.command(INSTALLER, "/rebound", text="setup")

        assert "channels:join" in _said(response)
        assert "https://rebound.example/slack/install" in _said(response)
        assert h.fake.of("views.open")  # the setup opens all the same
        await alpha.event({"type": "app_home_opened", "user": INSTALLER, "tab": "home"})
        home = json.dumps(h.fake.of("views.publish")[-1].params["view"])
        assert "channels:join" in home and "https://rebound.example/slack/install" in home
        caplog.set_level(logging.WARNING)
        await h.adapter.start()  # a start (a restart after the app update) finds it
        assert any("lacks scopes" in r.message for r in caplog.records)
