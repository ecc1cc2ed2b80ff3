"""Removed from a server (kicked, or the server deleted): every send to it stops at once
(undelivered rows dropped with a log line, follow-ups cancelled) and its events are no
longer taken."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text

from tests.adapters.discord import payloads as p
from tests.adapters.discord.conftest import LENA, PRIYA, Actions, World

COMMUNITY = f"discord:{p.GUILD_ID}"


async def _pending_follow_ups(world: World) -> int:
    async with world.bridge.core.store.engine.connect() as db:
        found = await db.execute(
            text("SELECT count(*) FROM follow_up WHERE community_id = :c AND done_at IS NULL"),
            {"c": COMMUNITY},
        )
        return int(found.scalar_one())


async def test_a_removed_server_gets_nothing_more(
    discord_world: World, act: Actions, caplog: pytest.LogCaptureFixture
) -> None:
    thread = await act.post_setback(LENA)
    assert await _pending_follow_ups(discord_world) > 0
    caplog.set_level(logging.INFO)

    await discord_world.fake.dispatch("GUILD_DELETE", {"id": str(p.GUILD_ID)})
    await discord_world.fake.settle()

    assert await _pending_follow_ups(discord_world) == 0
    assert [r for r in caplog.records if "installation removed from discord:" in r.message]
    calls = len(discord_world.fake.calls)
    await act.say(PRIYA, thread, "Anyone?")
    assert await discord_world.tick(hours=24 * 40) == 0
    assert discord_world.fake.calls[calls:] == []
