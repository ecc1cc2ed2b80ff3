"""`rebound doctor` against the local fakes: each check passes on a sound set-up, and each
failure is named with its fix (the real command: exit code 1 and one line per check)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

import pytest
import yaml
from rich.console import Console

from adapters.doctor import render
from adapters.doctor_checks import GATEWAY_GUILD_MEMBERS, GATEWAY_MESSAGE_CONTENT, Verdict, run_all
from adapters.slack.scopes import BOT_SCOPES
from bot.common.clock import ManualClock
from bot.engine.bootstrap import build_rebound
from tests.adapters.discord import payloads as p
from tests.adapters.discord.fake_discord import FakeDiscord
from tests.adapters.discord.test_discord_crash import environment as discord_environment
from tests.adapters.slack.fake_slack import BOT_USER, TEAM_ID, FakeSlack, Scripted
from tests.adapters.slack.process import environment as slack_environment
from tests.support import START

MANIFEST = Path(__file__).resolve().parents[2] / "deploy" / "slack-manifest.yaml"
ALL_INTENTS = (1 << 14) | (1 << 18)


class DoctorDiscord(FakeDiscord):
    """The fake with the application's flags and the guild's roles, which doctor reads."""

    app_flags = ALL_INTENTS

    def _application(self, body: dict[str, Any]) -> tuple[int, Any]:
        status, application = super()._application(body)
        return status, {**application, "flags": self.app_flags}

    def _routes(self) -> list[Any]:
        return [*super()._routes(), (r"/guilds/(\d+)/roles", "GET", self._roles)]

    def _roles(self, _body: dict[str, Any], _guild: str) -> tuple[int, Any]:
        return 200, [p.role(p.GUILD_ID, "@everyone", "0"), p.role(p.MOD_ROLE_ID, "Mods", "0")]


def auth(scopes: Iterable[str] = BOT_SCOPES) -> Scripted:
    body = {"ok": True, "team_id": TEAM_ID, "user_id": BOT_USER}
    return Scripted(200, body, {"x-oauth-scopes": ",".join(sorted(scopes))})


def test_the_scopes_checked_are_the_manifests() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    assert tuple(manifest["oauth_config"]["scopes"]["bot"]) == BOT_SCOPES


@pytest.fixture
async def migrated(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'rebound.db'}"
    core = await build_rebound(url, ManualClock(START))
    await core.close()
    return url


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


@pytest.fixture
async def discord() -> AsyncIterator[DoctorDiscord]:
    fake = DoctorDiscord(members=[])
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


def slack_env(fake: FakeSlack, database_url: str) -> dict[str, str]:
    env = slack_environment(fake.base_url, database_url)
    return {k: v for k, v in env.items() if k.startswith(("SLACK_", "REBOUND_"))}


def discord_env(fake: FakeDiscord, database_url: str) -> dict[str, str]:
    """The process tests' Discord settings, less what doctor does not read."""
    env = discord_environment(fake, database_url)
    return {k: v for k, v in env.items() if not k.endswith(("GATEWAY_URL", "GUILD_IDS"))}


async def doctor(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> dict[str, Verdict]:
    for name in ("SLACK_", "DISCORD_", "REBOUND_"):
        for key in [k for k in __import__("os").environ if k.startswith(name)]:
            monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    verdicts = await run_all(env)
    return {v.check: v for v in verdicts}


def failures(verdicts: dict[str, Verdict]) -> dict[str, str]:
    return {name: v.detail for name, v in verdicts.items() if not v.ok}


async def test_a_sound_slack_set_up_passes_every_check(
    monkeypatch: pytest.MonkeyPatch, slack: FakeSlack, migrated: str
) -> None:
    slack.script("auth.test", auth())
    verdicts = await doctor(monkeypatch, slack_env(slack, migrated))
    assert failures(verdicts) == {}
    assert list(verdicts) == [
        "core settings",
        "database",
        "content",
        "slack settings",
        "slack token",
        "slack scopes",
        "slack support channel",
        "slack helpers channel",
    ]


async def test_a_sound_discord_set_up_passes_every_check(
    monkeypatch: pytest.MonkeyPatch, discord: DoctorDiscord, migrated: str
) -> None:
    verdicts = await doctor(monkeypatch, discord_env(discord, migrated))
    assert failures(verdicts) == {}
    assert {"discord token", "discord intents", "discord support forum"} <= set(verdicts)
    assert {"discord helpers channel", "discord moderator role"} <= set(verdicts)


async def test_no_platform_configured_fails(monkeypatch: pytest.MonkeyPatch, migrated: str) -> None:
    verdicts = await doctor(monkeypatch, {"REBOUND_DATABASE_URL": migrated})
    assert list(failures(verdicts)) == ["platform"]
    assert "SLACK_BOT_TOKEN" in verdicts["platform"].detail


async def test_missing_slack_settings_are_named(
    monkeypatch: pytest.MonkeyPatch, migrated: str
) -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "REBOUND_DATABASE_URL": migrated}
    verdicts = await doctor(monkeypatch, env)
    assert failures(verdicts) == {
        "slack settings": "missing or invalid: SLACK_SIGNING_SECRET, SLACK_SUPPORT_CHANNEL"
    }


async def test_an_unmigrated_database_says_run_migrate(
    monkeypatch: pytest.MonkeyPatch, slack: FakeSlack, tmp_path: Path
) -> None:
    slack.script("auth.test", auth())
    url = f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    verdicts = await doctor(monkeypatch, slack_env(slack, url))
    assert list(failures(verdicts)) == ["database"]
    assert verdicts["database"].fix == "run `rebound migrate`"


async def test_an_unreachable_database_is_named(
    monkeypatch: pytest.MonkeyPatch, slack: FakeSlack, tmp_path: Path
) -> None:
    slack.script("auth.test", auth())
    url = f"sqlite+aiosqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}"
    verdicts = await doctor(monkeypatch, slack_env(slack, url))
    assert failures(verdicts) == {"database": "unreachable (OperationalError)"}


async def test_broken_content_names_the_file(
    monkeypatch: pytest.MonkeyPatch, slack: FakeSlack, migrated: str, tmp_path: Path
) -> None:
    slack.script("auth.test", auth())
    folder = tmp_path / "content" / "en"
    folder.mkdir(parents=True)
    (folder / "words.yaml").write_text("greeting: [unclosed\n")
    env = {**slack_env(slack, migrated), "REBOUND_CONTENT_DIR": str(tmp_path / "content")}
    verdicts = await doctor(monkeypatch, env)
    assert list(failures(verdicts)) == ["content"]
    assert "words.yaml" in verdicts["content"].detail


async def test_a_refused_slack_token(
    monkeypatch: pytest.MonkeyPatch, slack: FakeSlack, migrated: str
) -> None:
    slack.script("auth.test", Scripted(200, {"ok": False, "error": "invalid_auth"}))
    verdicts = await doctor(monkeypatch, slack_env(slack, migrated))
    assert failures(verdicts) == {"slack token": "refused by Slack (invalid_auth)"}
    assert "SLACK_BOT_TOKEN" in verdicts["slack token"].fix


async def test_an_unreachable_slack(monkeypatch: pytest.MonkeyPatch, migrated: str) -> None:
    env = slack_env(FakeSlack(), migrated)
    env["SLACK_API_URL"] = "http://127.0.0.1:9/api/"  # nothing listens there
    verdicts = await doctor(monkeypatch, env)
    assert failures(verdicts) == {
        "slack token": "Slack could not be reached (ClientConnectorError)"
    }


async def test_missing_scopes_are_named(
    monkeypatch: pytest.MonkeyPatch, slack: FakeSlack, migrated: str
) -> None:
    slack.script("auth.test", auth(set(BOT_SCOPES) - {"reactions:read", "im:write"}))
    verdicts = await doctor(monkeypatch, slack_env(slack, migrated))
    assert failures(verdicts) == {"slack scopes": "missing im:write, reactions:read"}


async def test_a_channel_the_bot_cannot_see(
    monkeypatch: pytest.MonkeyPatch, slack: FakeSlack, migrated: str
) -> None:
    slack.script("auth.test", auth())
    slack.script("conversations.info", Scripted(200, {"ok": False, "error": "channel_not_found"}))
    verdicts = await doctor(monkeypatch, slack_env(slack, migrated))
    (name,) = failures(verdicts)
    assert name == "slack support channel"
    assert "channel_not_found" in verdicts[name].detail
    assert "/invite" in verdicts[name].fix


async def test_an_archived_channel(
    monkeypatch: pytest.MonkeyPatch, slack: FakeSlack, migrated: str
) -> None:
    slack.script("auth.test", auth())
    archived = {"ok": True, "channel": {"id": "C0SUPPORT", "is_archived": True}}
    slack.script("conversations.info", Scripted(200, archived))
    verdicts = await doctor(monkeypatch, slack_env(slack, migrated))
    assert failures(verdicts) == {"slack support channel": "C0SUPPORT is archived"}


async def test_a_refused_discord_token(
    monkeypatch: pytest.MonkeyPatch, discord: DoctorDiscord, migrated: str
) -> None:
    discord.fail("GET", r"/users/@me", 401, body={"message": "401: Unauthorized", "code": 0})
    verdicts = await doctor(monkeypatch, discord_env(discord, migrated))
    assert failures(verdicts) == {"discord token": "refused by Discord (HTTP 401)"}


@pytest.mark.parametrize(
    ("flags", "missing"),
    [
        (0, "Server Members, Message Content"),
        (GATEWAY_GUILD_MEMBERS, "Message Content"),
        (GATEWAY_MESSAGE_CONTENT, "Server Members"),
    ],
)
async def test_missing_intents_are_named(
    monkeypatch: pytest.MonkeyPatch,
    discord: DoctorDiscord,
    migrated: str,
    flags: int,
    missing: str,
) -> None:
    discord.app_flags = flags
    verdicts = await doctor(monkeypatch, discord_env(discord, migrated))
    assert failures(verdicts) == {"discord intents": f"not enabled: {missing}"}


async def test_a_forum_the_bot_cannot_see_and_a_role_that_does_not_exist(
    monkeypatch: pytest.MonkeyPatch, discord: DoctorDiscord, migrated: str
) -> None:
    env = {**discord_env(discord, migrated), "DISCORD_MODERATOR_ROLE_ID": "42"}
    verdicts = await doctor(monkeypatch, env)
    assert failures(verdicts) == {"discord moderator role": f"42 not found in server {p.GUILD_ID}"}
    discord.fail("GET", rf"/channels/{p.FORUM_ID}", 403, body={"message": "Missing Access"})
    verdicts = await doctor(monkeypatch, env)
    assert failures(verdicts) == {
        "discord support forum": f"{p.FORUM_ID} not visible to the bot (HTTP 403)"
    }


async def test_a_helpers_channel_that_is_not_there_and_a_forum_that_is_not_a_forum(
    monkeypatch: pytest.MonkeyPatch, discord: DoctorDiscord, migrated: str
) -> None:
    env = {
        **discord_env(discord, migrated),
        "DISCORD_HELPERS_CHANNEL_ID": "43",
        "DISCORD_SUPPORT_FORUM_ID": str(p.GENERAL_ID),
    }
    verdicts = await doctor(monkeypatch, env)
    assert failures(verdicts) == {
        "discord support forum": f"{p.GENERAL_ID} is not a forum channel",
        "discord helpers channel": "43 not visible to the bot (HTTP 404)",
    }


def test_one_line_per_check_with_the_fix_for_each_failure() -> None:
    console = Console(record=True, width=60, color_system=None)
    render(
        [
            Verdict("database", True, "reachable"),
            Verdict("slack scopes", False, "missing im:write", "add them and reinstall the app"),
        ],
        console,
    )
    lines = console.export_text().splitlines()
    assert lines == [
        "✔ ok   database: reachable",
        "✘ FAIL slack scopes: missing im:write → fix: add them and reinstall the app",
        "1 of 2 checks failed.",
    ]


async def test_the_command_exits_1_on_a_failure_and_0_when_all_pass(
    slack: FakeSlack, migrated: str
) -> None:
    env = slack_environment(slack.base_url, migrated)

    async def run() -> tuple[int, str]:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            "from adapters.cli import main; main()",
            "doctor",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await process.communicate()
        return int(process.returncode or 0), out.decode()

    slack.script("auth.test", auth(set(BOT_SCOPES) - {"commands"}))
    code, out = await run()
    assert code == 1, out
    assert "✘ FAIL slack scopes: missing commands" in out
    assert "xoxb-test-token" not in out
    slack.script("auth.test", auth())
    code, out = await run()
    assert code == 0, out
    assert "All 8 checks passed." in out
