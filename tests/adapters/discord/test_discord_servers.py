"""One `rebound discord` process serving several servers, each set up with `/rebound setup`
(Manage Server only) and stored per community; a server not set up says so."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text

from bot.store.community_settings_repo import CommunitySettingsStore
from tests.adapters.discord import payloads as p
from tests.adapters.discord.conftest import LENA, SAM, Actions, World, connected

GUILD_2, FORUM_2 = 720000000000000001, 720000000000000002


@pytest.fixture
async def unset(sqlite_url: str) -> AsyncIterator[World]:
    """Connected without DISCORD_SUPPORT_FORUM_ID: no server is set up yet."""
    async with connected(sqlite_url, support_forum_id=None) as world:
        yield world


def _in(guild_id: int, payload: dict[str, Any]) -> dict[str, Any]:
    return {**payload, "guild_id": str(guild_id)}


def _setup(who: dict[str, Any], forum_id: int, *, manager: bool = True) -> dict[str, Any]:
    forum = {"id": str(forum_id), "type": 15, "name": "support", "permissions": p.ALL_PERMISSIONS}
    data = {
        "id": p.snowflake(),
        "name": "rebound",
        "type": 1,
        "options": [
            {
                "type": 1,
                "name": "setup",
                "options": [{"name": "forum", "type": 7, "value": str(forum_id)}],
            }
        ],
        "resolved": {"channels": {str(forum_id): forum}},
    }
    permissions = p.ALL_PERMISSIONS if manager else p.EVERYONE_PERMISSIONS
    payload = p.slash_command(who, "rebound", permissions=permissions)
    return {**payload, "data": data}


def _said(act: Actions, payload: dict[str, Any]) -> str:
    return " ".join(str(c.body) for c in act.answers_to(payload))


async def _second_server(world: World) -> None:
    """The bot is added to another server, with its own forum."""
    forum = {**p.forum_channel([]), "id": str(FORUM_2), "guild_id": str(GUILD_2)}
    guild = world.fake.guild()
    guild.update(
        id=str(GUILD_2),
        name="Second Club",
        roles=[p.role(GUILD_2, "@everyone", p.EVERYONE_PERMISSIONS)],
        channels=[forum],
        threads=[],
    )
    world.fake.channels[str(FORUM_2)] = forum
    await world.fake.dispatch("GUILD_CREATE", guild)
    await world.fake.settle()


async def test_a_server_not_set_up_says_so_and_only_managers_set_it_up(unset: World) -> None:
    act = Actions(unset)
    asked = await act.interact(p.slash_command(LENA, "setback", {"anonymous": False}))
    assert "not set up here yet" in _said(act, asked)
    assert "manage this server" in _said(act, asked)  # who can set it up
    assert unset.fake.forum_posts() == []

    refused = await act.interact(_setup(LENA, p.FORUM_ID, manager=False))
    assert "Only admins" in _said(act, refused)

    done = await act.interact(_setup(SAM, p.FORUM_ID))
    assert "set up" in _said(act, done)
    await act.post_setback(LENA)  # at once, no restart
    assert len(unset.fake.forum_posts()) == 1
    setup = await CommunitySettingsStore(unset.bridge.core.store).find(f"discord:{p.GUILD_ID}")
    assert setup is not None
    assert setup.settings.support_channel == str(p.FORUM_ID)
    (change,) = await CommunitySettingsStore(unset.bridge.core.store).history(
        f"discord:{p.GUILD_ID}"
    )
    assert change["changed_by"] == str(SAM["user"]["id"])


async def test_one_process_serves_two_servers_each_in_its_own_forum(unset: World) -> None:
    act = Actions(unset)
    await act.interact(_setup(SAM, p.FORUM_ID))
    await _second_server(unset)
    await act.interact(_in(GUILD_2, _setup(SAM, FORUM_2)))

    asked = await act.interact(_in(GUILD_2, p.slash_command(LENA, "setback", {"anonymous": False})))
    modal = next(c.body for c in act.answers_to(asked) if c.body.get("type") == 9)["data"]
    fields = {"title": "Ghosted", "body": "Silence."}
    await act.interact(_in(GUILD_2, p.modal_submit(LENA, modal["custom_id"], fields)))

    assert unset.fake.calls_to("POST", rf"/channels/{FORUM_2}/threads")
    assert unset.fake.forum_posts() == []  # nothing in the first server's forum
    async with unset.bridge.core.store.engine.connect() as db:
        rows = (await db.execute(text("SELECT community_id FROM setback"))).scalars().all()
    assert rows == [f"discord:{GUILD_2}"]
