from __future__ import annotations

import logging

import pytest

from tests.adapters.discord import payloads as p
from tests.adapters.discord.conftest import LENA, Actions, World, connected


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


async def test_a_nearly_full_forum_gets_what_fits_and_posts_carry_at_most_five(
    sqlite_url: str,
) -> None:
    own = [p.forum_tag(700 + n, f"Team tag {n}") for n in range(17)]
    own.append(p.forum_tag(799, "Answered"))  # already there: kept, not added twice
    async with connected(sqlite_url, forum_tags=own) as world:
        act = Actions(world)
        (edit,) = world.fake.calls_to("PATCH", rf"/channels/{p.FORUM_ID}")
        names = [t["name"] for t in edit.body["available_tags"]]
        assert len(names) == 20 and names.count("Answered") == 1
        assert names[18:] == ["Application", "Recruiter screen"]

        thread = await act.post_setback(LENA, stage=["recruiter_screen"], kind=["ghosted"])
        post = world.fake.forum_posts()[-1].body
        assert len(post["applied_tags"]) == 1  # Recruiter screen; no room was left for Ghosted
        assert thread in world.fake.channels


async def test_the_environment_sets_one_server_up_and_says_so(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with connected(sqlite_url):
        said = [r.getMessage() for r in caplog.records if "environment sets up" in r.message]
        assert said == [f"discord: the environment sets up guild {p.GUILD_ID}"]
