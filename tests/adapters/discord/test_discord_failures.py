"""Failures inside the adapter reach discord.py's error handlers, which must not log their
message (it can quote members); and `rebound discord` stops cleanly on SIGTERM and SIGINT."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
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


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
async def test_rebound_discord_stops_on_a_signal_and_exits_0(
    tmp_path: Path, stop: signal.Signals
) -> None:
    fake = FakeDiscord(members=[dict(LENA)])
    await fake.start()
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "REBOUND_"))}
    env = {
        **inherited,
        "DISCORD_TOKEN": "fake-bot-token-never-logged",
        "DISCORD_SUPPORT_FORUM_ID": str(p.FORUM_ID),
        "DISCORD_COMMAND_GUILD_IDS": f"[{p.GUILD_ID}]",
        "DISCORD_API_URL": fake.api_url,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
        "REBOUND_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'rebound.db'}",
        "REBOUND_LOG_LEVEL": "INFO",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "from adapters.cli import main; main()",
        "discord",
        env=env,
        cwd=tmp_path,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    lines: list[str] = []
    try:
        async with asyncio.timeout(60):
            async for raw in process.stderr:
                lines.append(raw.decode(errors="replace").rstrip())
                if "discord: ready in guild" in lines[-1]:
                    break
        process.send_signal(stop)
        async with asyncio.timeout(30):
            lines += [raw.decode(errors="replace").rstrip() async for raw in process.stderr]
            code = await process.wait()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await fake.stop()

    log = "\n".join(lines)
    assert code == 0, log
    assert f"{stop.name}: stopping" in log
    assert "adapters.discord.app: stopped" in log
    assert "Traceback" not in log
    assert "fake-bot-token-never-logged" not in log
