"""Failures inside the adapter reach discord.py's error handlers, which must not log their
message (it can quote members); and `rebound discord` stops cleanly on SIGTERM and SIGINT."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.adapters.discord import payloads as p
from tests.adapters.discord.conftest import LENA, Actions, World
from tests.adapters.discord.fake_discord import FakeDiscord

CANARY = "canary-b41d"


async def _failing(*_args: object) -> None:
    raise RuntimeError(f"{CANARY}: what a member wrote")


async def test_failures_in_events_commands_and_buttons_are_logged_without_their_message(
    discord_world: World, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    bridge, act = discord_world.bridge, Actions(discord_world)
    for name in ("on_message", "on_setback", "on_action_button"):
        monkeypatch.setattr(bridge, name, _failing)

    await _message(discord_world)
    await act.interact(p.slash_command(LENA, "setback", {"anonymous": False}))
    button = {"type": 2, "style": 1, "label": "Reply", "custom_id": "rb:relay:1"}
    row = {"type": 1, "components": [button]}
    shown = p.message(p.snowflake(), p.GENERAL_ID, discord_world.fake.bot, "", components=[row])
    await act.interact(p.button_press(LENA, "rb:relay:1", shown))

    assert CANARY not in caplog.text
    failed = [
        r.getMessage() for r in caplog.records if "failed with RuntimeError" in r.getMessage()
    ]
    assert [line.split(" failed")[0] for line in failed] == [
        "discord on_message",
        "discord command setback",
        "discord button",
    ]


async def _message(world: World) -> None:
    message = p.guild_message(p.snowflake(), p.GENERAL_ID, LENA, f"{CANARY} in general")
    await world.fake.dispatch("MESSAGE_CREATE", message)
    await world.fake.settle()


class DiscordProcess:
    """The real `rebound discord` process against the fake, with its log collected."""

    def __init__(self, fake: FakeDiscord, folder: Path) -> None:
        inherited = {
            k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "REBOUND_"))
        }
        self.env = {
            **inherited,
            "DISCORD_TOKEN": "fake-bot-token-never-logged",
            "DISCORD_SUPPORT_FORUM_ID": str(p.FORUM_ID),
            "DISCORD_COMMAND_GUILD_IDS": f"[{p.GUILD_ID}]",
            "DISCORD_API_URL": fake.api_url,
            "DISCORD_GATEWAY_URL": fake.gateway_url,
            "REBOUND_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'rebound.db'}",
            "REBOUND_LOG_LEVEL": "INFO",
        }
        self.folder = folder
        self.lines: list[str] = []
        self._process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self._process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            "from adapters.cli import main; main()",
            "discord",
            env=self.env,
            cwd=self.folder,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        await self.logged("discord: ready in guild", timeout_s=60)

    async def logged(self, text: str, timeout_s: float = 30) -> None:
        """Read the log until a line holds `text`."""
        assert self._process is not None and self._process.stderr is not None
        async with asyncio.timeout(timeout_s):
            while not any(text in line for line in self.lines):
                raw = await self._process.stderr.readline()
                assert raw, "the process ended"
                self.lines.append(raw.decode(errors="replace").rstrip())

    def signal(self, number: signal.Signals) -> None:
        assert self._process is not None
        self._process.send_signal(number)

    async def exit_code(self) -> int:
        assert self._process is not None and self._process.stderr is not None
        async with asyncio.timeout(30):
            self.lines += [
                raw.decode(errors="replace").rstrip() async for raw in self._process.stderr
            ]
            return await self._process.wait()

    async def kill(self) -> None:
        if self._process is not None and self._process.returncode is None:
            self._process.kill()
            await self._process.wait()

    def log(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord(members=[dict(LENA)])
    await fake.start()
    yield fake
    await fake.stop()


def _clean_stop(rebound: DiscordProcess, code: int, stop: signal.Signals) -> None:
    log = rebound.log()
    assert code == 0, log
    assert f"{stop.name}: stopping" in log
    assert "adapters.discord.app: stopped" in log
    assert "Traceback" not in log
    assert "fake-bot-token-never-logged" not in log


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
async def test_rebound_discord_stops_on_a_signal_and_exits_0(
    fake: FakeDiscord, tmp_path: Path, stop: signal.Signals
) -> None:
    rebound = DiscordProcess(fake, tmp_path)
    try:
        await rebound.start()
        rebound.signal(stop)
        code = await rebound.exit_code()
    finally:
        await rebound.kill()

    _clean_stop(rebound, code, stop)


async def test_a_stop_finishes_the_post_being_made_before_exiting(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    rebound = DiscordProcess(fake, tmp_path)
    try:
        await rebound.start()
        asked = fake.next_call(lambda call: call.body.get("type") == 9)  # the modal
        await fake.interact(p.slash_command(LENA, "setback", {"anonymous": False}))
        modal = (await asyncio.wait_for(asked, 30)).body["data"]
        new_thread = rf"/channels/{p.FORUM_ID}/threads"
        slow = fake.hold("POST", new_thread)
        fields = {"title": "Froze in the screening call", "body": "It went badly."}
        await fake.interact(p.modal_submit(LENA, modal["custom_id"], fields))
        await fake.reached("POST", new_thread)  # the post is on its way, held by Discord

        rebound.signal(signal.SIGTERM)
        await rebound.logged("stop: finishing 1 in flight")
        slow.set()
        code = await rebound.exit_code()
    finally:
        await rebound.kill()

    _clean_stop(rebound, code, signal.SIGTERM)
    assert len(fake.forum_posts()) == 1
    assert "still running" not in rebound.log()
