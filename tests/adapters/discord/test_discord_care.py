"""Care on Discord: a crisis reply through the real client against the fake gateway."""

from __future__ import annotations

import json

from tests.adapters.discord import payloads as p
from tests.adapters.discord.conftest import LENA, SAM, TOMAS, Actions, World, buttons_in, connected

CRISIS = "Honestly I just want to die"


async def test_a_crisis_reply_is_answered_privately_and_moderators_alerted(
    sqlite_url: str,
) -> None:
    async with connected(sqlite_url, moderators_channel_id=p.GENERAL_ID) as world:
        await _story(world, Actions(world))


async def _story(world: World, act: Actions) -> None:
    fake = world.fake
    thread = await act.post_setback(LENA)
    in_thread = len(fake.posts_in(thread))
    await act.say(TOMAS, thread, CRISIS)
    [alert] = fake.posts_in(p.GENERAL_ID)
    shown = str(alert.body)
    assert "want to die" not in shown.lower()
    assert "Tomás" not in shown and str(TOMAS["user"]["id"]) not in shown
    assert f"/channels/{p.GUILD_ID}/{thread}/" in shown  # the link to the reply
    [to_author] = fake.dms_to(str(TOMAS["user"]["id"]))
    assert "not a crisis service" in str(to_author.body)
    assert len(fake.posts_in(thread)) == in_thread  # nothing said in public

    [resume] = [b for b in buttons_in(alert.body) if b.get("custom_id")]
    await act.interact(p.button_press(SAM, resume["custom_id"], alert.response))
    assert world.bridge.community is not None
    community = world.bridge.community.community_id
    async with world.bridge.core.store.transaction() as repo:
        post = await repo.post_by_thread(community, thread)
        assert post is not None
        events = await repo.care.events(community, post.id)
    assert [kind for kind, _ in events] == ["alert", "resume"]


async def test_my_data_arrives_as_an_attachment_in_the_members_dm(
    discord_world: World, act: Actions
) -> None:
    thread = await act.post_setback(LENA)
    await act.say(TOMAS, thread, "Tomás's tip about the recruiter")
    await act.interact(p.rebound(TOMAS, "my-data"))
    await discord_world.fake.settle()
    [sent] = [
        c for c in discord_world.fake.dms_to(str(TOMAS["user"]["id"])) if "uploaded" in c.body
    ]
    [(name, content)] = sent.body["uploaded"].items()
    assert name.endswith(".json")
    data = json.loads(content)
    assert [r["text"] for r in data["replies"]] == ["Tomás's tip about the recruiter"]
    assert str(LENA["user"]["id"]) not in content


async def test_one_press_in_a_dm_stops_every_dm(discord_world: World, act: Actions) -> None:
    fake = discord_world.fake
    tomas = str(TOMAS["user"]["id"])
    thread = await act.post_setback(LENA)
    first = await act.say(TOMAS, thread, "Write to the recruiter.")
    second = await act.say(TOMAS, thread, "And ask for feedback.")
    await act.mark(LENA, first)
    [told] = fake.dms_to(tomas)
    [stop] = [b for b in buttons_in(told.body) if b.get("label") == "Stop direct messages"]
    dm = fake.dm_channels[tomas]
    shown = {**told.response, "components": told.body["components"]}
    await act.interact(p.button_press(TOMAS, stop["custom_id"], shown, in_dm=True, channel_id=dm))
    await act.mark(LENA, second)
    await discord_world.tick(hours=24 * 20)
    assert len(fake.dms_to(tomas)) == 1


async def test_forget_me_renames_the_forum_post_it_empties(
    discord_world: World, act: Actions
) -> None:
    thread = await act.post_setback(LENA)
    fake = discord_world.fake
    asked = await act.interact(p.rebound(LENA, "forget-me"))
    await fake.settle()
    [(answer, confirm)] = [
        (answer, b)
        for answer in act.answers_to(asked)
        for b in buttons_in(answer.body)
        if str(b.get("custom_id", "")).startswith("rb:forget:")
    ]
    shown = p.message(p.snowflake(), p.GENERAL_ID, fake.bot, "")
    shown["components"] = answer.body["data"]["components"]
    await act.interact(p.button_press(LENA, confirm["custom_id"], shown))
    await discord_world.bridge.tick()
    await fake.settle()

    renames = [c for c in fake.calls_to("PATCH", rf"/channels/{thread}") if "name" in c.body]
    assert [c.body["name"] for c in renames] == ["Removed by its author"]
    assert fake.channels[str(thread)]["name"] == "Removed by its author"
