"""Installing Rebound from a link: bolt's OAuth flow over Rebound's database, tokens sealed,
forged, replayed and expired callbacks refused, and requests served with each workspace's
own token."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import text
from typer.testing import CliRunner

from adapters.cli import app
from adapters.slack.inbound import community_id
from adapters.slack.oauth import REDIRECT_PATH
from adapters.slack.scopes import BOT_SCOPES
from bot.store.installation_repo import Installations
from bot.store.secrets import SecretBox
from tests.adapters.slack.installs import KEY, STATE_COOKIE, host
from tests.adapters.slack.workspace import SUPPORT

MANIFEST = Path(__file__).parents[3] / "deploy" / "slack-manifest.yaml"


async def test_an_install_from_the_link_serves_the_workspace_with_its_own_token(
    database_url: str,
) -> None:
    async with host(database_url) as h:
        lena = await h.install("T0ALPHA")

        thread = await lena.share("U0LENA", title="Ghosted", body="Three weeks of silence.")

        post = h.fake.posts(SUPPORT)[-1]
        assert post.ref == thread
        assert post.token == h.token_of("T0ALPHA")  # the workspace's own bot token
        dump = await h.dump()
        assert "T0ALPHA" in dump  # the installation is there...
        assert "xoxb-" not in dump  # ...its token sealed
        assert "xoxe-" not in dump


async def test_rotating_tokens_are_sealed_too(sqlite_url: str) -> None:
    async with host(sqlite_url) as h:
        h.fake.rotating = True
        await h.install("T0ALPHA")

        found = await h.adapter.distribution.installations.find(community_id("T0ALPHA"))  # type: ignore[union-attr]
        assert found is not None
        assert found.bot_refresh_token is not None
        assert found.bot_refresh_token.startswith("xoxe-")
        dump = await h.dump()
        assert "xoxb-" not in dump
        assert "xoxe-" not in dump


async def _installations(h: object) -> int:
    async with h.adapter.core.store.engine.connect() as db:  # type: ignore[attr-defined]
        return int((await db.execute(text("SELECT count(*) FROM installation"))).scalar_one())


async def test_forged_replayed_and_expired_callbacks_install_nothing(sqlite_url: str) -> None:
    async with host(sqlite_url) as h:
        state = await h.begin_install()
        nonce = state.partition(".")[0]

        forged = await h.finish_install(f"{nonce}.{'0' * 32}", h.fake.grant("T0EVIL"))
        foreign = await h.finish_install(state, h.fake.grant("T0EVIL"), cookie="another")
        assert forged.status == 401
        assert foreign.status == 400  # the state is not the one this browser was given
        for refused in (forged, foreign):
            said = await refused.text()
            assert "this install link has expired or was already used" in said
            assert 'href="/slack/install"' in said
        assert await _installations(h) == 0

        first = await h.finish_install(state, h.fake.grant("T0ALPHA"))
        replayed = await h.finish_install(state, h.fake.grant("T0EVIL"))
        assert first.status == 200
        assert replayed.status == 401
        assert await _installations(h) == 1

        late = await h.begin_install()
        h.clock.advance(timedelta(minutes=11))
        expired = await h.finish_install(late, h.fake.grant("T0EVIL"))
        assert expired.status == 401
        assert "expired or was already used" in await expired.text()
        assert await _installations(h) == 1
        assert not [c for c in h.fake.of("oauth.v2.access") if "T0EVIL" in c.flat()]


async def test_an_install_that_did_not_finish_explains_why_and_installs_nothing(
    sqlite_url: str,
) -> None:
    """Slack sends the installer back with `error` when they cancelled, or when their
    workspace requires admins to approve apps (`access_denied`: the request went to them)."""
    async with host(sqlite_url) as h:
        state = await h.begin_install()
        back = await h.http.get(
            REDIRECT_PATH,
            params={"error": "access_denied", "state": state},
            headers={"Cookie": f"{STATE_COOKIE}={state}"},
        )
        assert back.status == 200
        said = await back.text()
        assert "Rebound was not installed: the installation did not finish." in said
        assert "requires admins to approve apps, your request has gone to them" in said
        assert "ask a workspace admin to install Rebound" in said
        assert 'To try again, open <a href="/slack/install">' in said
        assert await _installations(h) == 0
        assert not h.fake.of("oauth.v2.access")


async def test_keys_rotate_reseals_every_token(sqlite_url: str) -> None:
    async with host(sqlite_url) as h:
        await h.install("T0ALPHA")
        newer = SecretBox.new_key()
        store = h.adapter.core.store

        resealed = await Installations(store, SecretBox([newer, KEY])).reseal_all()

        assert resealed == 1
        only_new = await Installations(store, SecretBox([newer])).find(community_id("T0ALPHA"))
        assert only_new is not None
        assert only_new.bot_token == h.token_of("T0ALPHA")


async def test_rebound_keys_rotate_reseals_the_database(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with host(sqlite_url) as h:
        await h.install("T0ALPHA")
    newer = SecretBox.new_key()
    monkeypatch.setenv("REBOUND_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("REBOUND_SECRET_KEYS", f"{newer},{KEY}")

    # The command runs its own event loop: in a thread, beside the test's.
    result = await asyncio.to_thread(CliRunner().invoke, app, ["keys", "rotate"])

    assert result.exit_code == 0, result.output
    assert "1 installation" in result.output
    async with host(sqlite_url, keys=newer) as h:  # the old key is gone: still readable
        found = await h.adapter.distribution.installations.find(community_id("T0ALPHA"))  # type: ignore[union-attr]
        assert found is not None
        assert found.bot_token.startswith("xoxb-T0ALPHA")


def test_rebound_keys_rotate_without_keys_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REBOUND_SECRET_KEYS", raising=False)

    result = CliRunner().invoke(app, ["keys", "rotate"])

    assert result.exit_code == 2
    assert "REBOUND_SECRET_KEYS" in result.output


def test_the_manifest_asks_for_the_scopes_and_events_the_install_needs() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))

    assert tuple(manifest["oauth_config"]["scopes"]["bot"]) == BOT_SCOPES
    events = manifest["settings"]["event_subscriptions"]["bot_events"]
    assert {"app_uninstalled", "tokens_revoked"} <= set(events)
    commands = {c["command"] for c in manifest["features"]["slash_commands"]}
    assert "/rebound" in commands
    assert manifest["oauth_config"]["redirect_urls"][0].endswith(REDIRECT_PATH)
