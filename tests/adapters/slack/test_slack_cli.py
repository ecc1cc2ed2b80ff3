"""`rebound slack`: its settings come from the environment; missing ones are named."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from adapters.cli import app
from adapters.slack.config import SLACK_API_URL, SlackSettings


def test_missing_settings_are_named_and_nothing_starts() -> None:
    result = CliRunner().invoke(app, ["slack", "--port", "0"])

    assert result.exit_code == 2
    assert "SLACK_BOT_TOKEN" in result.output
    assert "SLACK_SIGNING_SECRET" in result.output
    assert "SLACK_SUPPORT_CHANNEL" in result.output


def test_settings_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s")
    monkeypatch.setenv("SLACK_SUPPORT_CHANNEL", "C1")
    monkeypatch.setenv("SLACK_MODERATORS_GROUP", "S1")
    monkeypatch.setenv("REBOUND_DATABASE_URL", "sqlite+aiosqlite:///x.db")

    settings = SlackSettings()

    assert settings.api_url == SLACK_API_URL
    assert settings.app_token is None
    assert settings.database_url == "sqlite+aiosqlite:///x.db"
    assert settings.community_settings().support_channel == "C1"
    assert SlackSettings(**{**settings.model_dump(), "api_url": "http://h/api"}).web_api_url == (
        "http://h/api/"
    )


def test_an_unreachable_slack_is_retried_then_reported_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-wrong")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s")
    monkeypatch.setenv("SLACK_SUPPORT_CHANNEL", "C1")
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api/")  # nothing listens there
    monkeypatch.setenv("SLACK_STARTUP_TRIES", "3")
    monkeypatch.setenv("SLACK_STARTUP_FIRST_RETRY_S", "0.01")
    monkeypatch.setenv("REBOUND_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'r.db'}")

    result = CliRunner().invoke(app, ["slack", "--port", "0"])

    assert result.exit_code == 1
    assert "Slack could not be reached: auth.test failed 3 times" in result.output
    assert "ClientConnectorError" in result.output
    assert "xoxb-wrong" not in result.output
    assert "Traceback" not in result.output
    retries = [r.getMessage() for r in caplog.records if "retrying" in r.getMessage()]
    assert len(retries) == 2
    assert all("auth.test failed (ClientConnectorError)" in line for line in retries)


def test_the_locale_setting_reaches_the_community(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    monkeypatch.setenv("SLACK_SUPPORT_CHANNEL", "C0SUPPORT")
    monkeypatch.setenv("REBOUND_LOCALE", "fr")
    assert SlackSettings().community_settings().locale == "fr"
