from __future__ import annotations

from tests.adapters.discord import payloads as p
from tests.adapters.discord.conftest import World


async def test_connects_creates_tags_and_syncs_commands(discord_world: World) -> None:
    fake = discord_world.fake
    tag_edits = fake.calls_to("PATCH", rf"/channels/{p.FORUM_ID}")
    assert len(tag_edits) == 1
    names = [t["name"] for t in tag_edits[0].body["available_tags"]]
    assert {"Answered", "Update shared", "Closed"} <= set(names)
    assert len(names) <= 20
    synced = fake.calls_to("PUT", rf"/applications/{p.APP_ID}/guilds/{p.GUILD_ID}/commands")
    assert {c["name"] for c in synced[0].body["items"]} >= {
        "setback",
        "template",
        "Mark as best answer",
    }
