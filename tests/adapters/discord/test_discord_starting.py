"""The first moments after connecting: Discord names the bot's servers (READY, then
GUILD_CREATE) and can deliver a member's interaction at once, before the bridge has
served those servers (discord.py waits for more servers first; the bridge then sets up
tags, commands and catches up). Such an interaction waits for that, briefly, instead of
being told the server is not set up."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.adapters.discord import payloads as p
from tests.adapters.discord.conftest import LENA, connecting
from tests.adapters.discord.fake_discord import FakeDiscord
from tests.processes import eventually

MODAL = 9


async def answers(fake: FakeDiscord, asked: dict[str, Any]) -> list[dict[str, Any]]:
    async def answered() -> bool:
        return any(asked["token"] in c.path for c in fake.calls)

    await eventually(answered, timeout_s=10, every_s=0.02)
    return [c.body for c in fake.calls if asked["token"] in c.path]


async def test_a_command_sent_as_the_servers_are_named_opens_its_form(
    sqlite_url: str, fake: FakeDiscord
) -> None:
    async with connecting(sqlite_url, fake) as (world, _runner):
        await asyncio.wait_for(fake.identified.wait(), 10)
        assert not world.bridge.ready.is_set(), "the interaction must come before ready"
        asked = p.slash_command(LENA, "setback", {"anonymous": False})
        await fake.interact(asked)

        said = await answers(fake, asked)
        assert world.bridge.ready.is_set()
        assert [b["type"] for b in said] == [MODAL], said


async def test_a_command_while_the_start_takes_long_is_asked_to_come_back(
    sqlite_url: str, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with connecting(sqlite_url, fake) as (world, _runner):
        caught_up = asyncio.Event()
        catch_up = world.bridge.catch_up

        async def slow_catch_up(*args: Any) -> int:
            await caught_up.wait()
            return await catch_up(*args)

        monkeypatch.setattr(world.bridge, "catch_up", slow_catch_up)
        await asyncio.wait_for(fake.identified.wait(), 10)
        asked = p.slash_command(LENA, "setback", {"anonymous": False})
        await fake.interact(asked)

        said = await answers(fake, asked)
        assert [b["type"] for b in said] == [4], said  # a message, not the form
        text = said[0]["data"]["content"]
        assert "starting up" in text and "not set up" not in text
        assert said[0]["data"]["flags"] & 64, "only the member sees it"

        caught_up.set()
        await asyncio.wait_for(world.bridge.ready.wait(), 10)
        again = p.slash_command(LENA, "setback", {"anonymous": False})
        await fake.interact(again)
        assert [b["type"] for b in await answers(fake, again)] == [MODAL]
