"""On Discord: a member's edits and deletions of her own forum post, a thread or starter
message deleted, deletions that overtake their message, replies that overtake their thread,
and catching up after downtime. Gateway payloads to a real discord.py client, against the
fake Discord."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import text

from adapters.discord.catch_up import CatchUp
from bot.domain.model import Reply
from bot.engine.catch_up import open_threads
from tests.adapters.discord import payloads as p
from tests.adapters.discord.conftest import (
    ADE,
    DEV,
    LENA,
    PRIYA,
    SAM,
    TOMAS,
    Actions,
    World,
    connected,
    uid,
)
from tests.adapters.discord.fake_discord import FakeDiscord
from tests.support import replies_in, stored_words

COMMUNITY = f"discord:{p.GUILD_ID}"
OLD_NAME = "Fired from Initech by Bill Lumbergh"
OLD_STORY = "My manager at Initech blamed me for his mistake. Any advice?"
NEW_NAME = "Let go after a restructure"
NEW_STORY = "How do I explain it in interviews?"


async def _member_post(world: World, who: dict[str, Any], name: str, story: str) -> str:
    """A forum post a member made herself (adopted); its thread id."""
    fake = world.fake
    thread_id = p.snowflake()
    thread = p.thread(thread_id, name, int(uid(who)))
    fake.channels[thread_id] = thread
    await fake.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
    await fake.dispatch("MESSAGE_CREATE", p.guild_message(thread_id, thread_id, who, story))
    await fake.settle()
    return thread_id


async def _replies(world: World, thread: str) -> list[Reply]:
    return await replies_in(world.bridge.core.store, COMMUNITY, thread)


async def _stored_words(world: World) -> str:
    return await stored_words(world.bridge.core.store)


async def _count(world: World, table: str) -> int:
    async with world.bridge.core.store.engine.connect() as db:
        return int((await db.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())


def _sent_since(world: World, count: int) -> str:
    return "\n".join(c.text for c in world.fake.calls[count:] if c.method in ("POST", "PATCH"))


def _dms_to(world: World, who: dict[str, Any]) -> list[str]:
    return [c.body.get("content", "") for c in world.fake.dms_to(uid(who))]


async def _deleted(world: World, message_id: str, channel_id: str) -> None:
    payload = {"id": message_id, "channel_id": channel_id, "guild_id": str(p.GUILD_ID)}
    await world.fake.dispatch("MESSAGE_DELETE", payload)
    await world.fake.settle()


async def test_the_posters_edit_of_her_post_is_what_the_bot_shows_from_then_on(
    discord_world: World, act: Actions
) -> None:
    fake = discord_world.fake
    thread = await _member_post(discord_world, TOMAS, OLD_NAME, OLD_STORY)
    tip = await act.say(PRIYA, thread, "Say the role was cut; it is common.")
    before = len(fake.calls)

    # She renames her post and rewrites its first message.
    fake.channels[thread]["name"] = NEW_NAME
    await fake.dispatch("THREAD_UPDATE", fake.channels[thread])
    starter = {**fake.messages[thread], "content": NEW_STORY}
    await fake.dispatch(
        "MESSAGE_UPDATE", {**starter, "edited_timestamp": "2026-03-02T10:00:00+00:00"}
    )
    await fake.settle()
    await act.mark(TOMAS, tip)
    await discord_world.tick(hours=24 * 20)  # the outcome ask, and the thread's closing

    assert any(NEW_NAME in dm for dm in _dms_to(discord_world, PRIYA))
    assert "Initech" not in _sent_since(discord_world, before)
    assert "Lumbergh" not in _sent_since(discord_world, before)
    words = await _stored_words(discord_world)
    assert NEW_NAME in words and NEW_STORY in words and "Initech" not in words


async def test_deleting_her_first_message_withdraws_the_post(
    discord_world: World, act: Actions
) -> None:
    fake = discord_world.fake
    thread = await _member_post(discord_world, TOMAS, OLD_NAME, OLD_STORY)
    await act.say(PRIYA, thread, "Say the role was cut.")
    status = fake.posts_in(thread)[0].response["id"]  # the bot's status message in it
    before = len(fake.calls)

    await _deleted(discord_world, thread, thread)  # the starter's id is the thread's

    assert "Initech" not in await _stored_words(discord_world)
    assert "Say the role was cut." in await _stored_words(discord_world)
    assert "withdrawn" in fake.posts_in(thread)[-1].body["content"]
    assert "withdrawn" in fake.messages[status]["content"]
    assert fake.channels[thread]["thread_metadata"]["locked"] is True
    await act.say(DEV, thread, "A reply after it was withdrawn")
    await discord_world.tick(hours=24 * 40)
    assert _dms_to(discord_world, TOMAS) == [], "no reminder, no outcome ask"
    assert "Initech" not in _sent_since(discord_world, before)
    assert "after it was withdrawn" not in await _stored_words(discord_world)


async def test_deleting_the_bots_starter_message_withdraws_a_form_post(
    discord_world: World, act: Actions
) -> None:
    thread = await act.post_setback(LENA, title="Fired from Initech", body=OLD_STORY)
    await act.say(PRIYA, thread, "Say the role was cut.")

    await _deleted(discord_world, thread, thread)  # a moderator deleted the bot's starter

    assert "Initech" not in await _stored_words(discord_world)
    assert "withdrawn" in discord_world.fake.posts_in(thread)[-1].body["content"]
    await discord_world.tick(hours=24 * 40)
    assert _dms_to(discord_world, LENA) == []


async def test_deleting_the_thread_withdraws_the_post_without_writing_to_it(
    discord_world: World, act: Actions
) -> None:
    fake = discord_world.fake
    thread = await act.post_setback(LENA, title="Fired from Initech", body=OLD_STORY)
    await act.say(PRIYA, thread, "Say the role was cut.")
    gone = fake.channels.pop(thread)
    before = len(fake.calls)

    await fake.dispatch(
        "THREAD_DELETE",
        {"id": thread, "guild_id": str(p.GUILD_ID), "parent_id": gone["parent_id"], "type": 11},
    )
    await fake.settle()
    await discord_world.tick(hours=24 * 40)

    assert "Initech" not in await _stored_words(discord_world)
    assert [c.path for c in fake.calls[before:] if thread in c.path] == []
    assert _dms_to(discord_world, LENA) == []


async def test_a_deletion_before_its_reply_stores_the_reply_as_deleted(
    discord_world: World, act: Actions
) -> None:
    fake = discord_world.fake
    thread = await act.post_setback(LENA)
    late = p.guild_message(p.snowflake(), thread, PRIYA, "Words taken back")
    await _deleted(discord_world, late["id"], thread)
    await fake.dispatch("MESSAGE_CREATE", late)
    await fake.settle()

    [reply] = await _replies(discord_world, thread)
    assert reply.deleted and reply.text == ""
    marked = await act.mark(LENA, late)
    answer = [c.body for c in act.answers_to(marked)]
    assert "can't be best answers" in str(answer)


async def test_a_reply_before_its_thread_is_recorded_is_kept(
    discord_world: World, act: Actions
) -> None:
    fake = discord_world.fake
    gate = fake.hold_answers("POST", rf"/channels/{p.FORUM_ID}/threads")
    modal = await act.open_setback(LENA)
    created = fake.next_call(lambda call: call.path == f"/channels/{p.FORUM_ID}/threads")
    fields = {"title": "Froze in the screening call", "body": "It went badly."}
    await fake.interact(p.modal_submit(LENA, modal["custom_id"], fields))
    # The thread exists (Discord told the gateway) but its creation is not answered yet.
    thread = str((await asyncio.wait_for(created, 10)).response["id"])
    await fake.dispatch("MESSAGE_CREATE", p.guild_message(p.snowflake(), thread, PRIYA, "First!"))
    # Its handler cannot be awaited: the interaction beside it waits on the held answer.
    await _until(discord_world, "parked_event", 1)
    gate.set()
    await fake.settle()

    assert [r.text for r in await _replies(discord_world, thread)] == ["First!"]
    assert await _count(discord_world, "parked_event") == 0


async def _until(world: World, table: str, rows: int) -> None:
    """Until `table` holds `rows` rows (for work no handler task can be awaited for)."""
    for _ in range(1000):
        if await _count(world, table) >= rows:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{table} never reached {rows} rows")


async def test_messages_sent_while_away_are_recorded_once_on_start(
    sqlite_url: str, fake: FakeDiscord
) -> None:
    async with connected(sqlite_url, fake=fake) as first:
        act = Actions(first)
        thread = await act.post_setback(LENA)
        await act.say(PRIYA, thread, "Live reply")
        other = await act.post_setback(TOMAS, title="Another one")
    # Away: members keep writing in open threads.
    fake.hold_message(DEV, thread, "While you were away")
    fake.hold_message(ADE, thread, "Me too, later")
    fake.hold_message(SAM, other, "In the other thread")

    async with connected(sqlite_url, fake=fake) as second:  # catches up before it is ready
        texts = [r.text for r in await _replies(second, thread)]
        assert texts == ["Live reply", "While you were away", "Me too, later"]
        assert [r.text for r in await _replies(second, other)] == ["In the other thread"]
        replies, events = await _count(second, "reply"), await _count(second, "processed_event")

        assert await second.bridge.catch_up() == 0, "read from the newest recorded"
        as_before = await open_threads(second.bridge.core.store, COMMUNITY)
        as_before = [t for t in as_before if t.thread_ref == thread]
        stale = [type(t)(t.thread_ref, t.channel_id, (t.thread_ref,)) for t in as_before]
        assert second.bridge.community is not None and second.bridge.outbox is not None
        again = CatchUp(
            second.client, second.bridge.community, second.bridge.core, second.bridge.outbox
        )
        assert await again.run(stale) == 3  # the whole thread read again...
        assert await _count(second, "reply") == replies  # ...records nothing more
        assert await _count(second, "processed_event") == events


async def test_renaming_her_post_renames_its_title(discord_world: World, act: Actions) -> None:
    fake = discord_world.fake
    thread = await _member_post(discord_world, TOMAS, OLD_NAME, OLD_STORY)
    fake.channels[thread]["name"] = NEW_NAME
    await fake.dispatch("THREAD_UPDATE", fake.channels[thread])
    await fake.dispatch("THREAD_UPDATE", fake.channels[thread])  # told twice: one edit
    await fake.settle()

    async with discord_world.bridge.core.store.transaction() as repo:
        post = await repo.post_by_thread(COMMUNITY, thread)
    assert post is not None and post.title == NEW_NAME
    assert "Lumbergh" not in await _stored_words(discord_world)


@pytest.mark.parametrize("resumable", [True, False], ids=["resumed", "new-session"])
async def test_messages_sent_while_the_gateway_was_lost_are_recorded_on_reconnect(
    discord_world: World, act: Actions, resumable: bool
) -> None:
    fake = discord_world.fake
    thread = await act.post_setback(LENA)
    await act.say(PRIYA, thread, "Live reply")
    missed = fake.hold_message(DEV, thread, "Sent while the line was down")

    await fake.drop(resumable=resumable)
    await asyncio.wait_for((fake.resumed if resumable else fake.identified).wait(), 10)
    # discord.py tells of a new session only once its guilds are loaded, after a delay.
    await _until(discord_world, "reply", 2)
    await fake.settle()

    texts = [r.text for r in await _replies(discord_world, thread)]
    assert texts == ["Live reply", "Sent while the line was down"]
    await fake.dispatch("MESSAGE_CREATE", missed)  # delivered after all: nothing twice
    await fake.settle()
    assert len(await _replies(discord_world, thread)) == 2


async def test_catching_up_reads_past_one_page_of_history(
    sqlite_url: str, fake: FakeDiscord
) -> None:
    async with connected(sqlite_url, fake=fake) as first:
        thread = await Actions(first).post_setback(LENA)
    for n in range(105):  # Discord gives 100 messages a page
        fake.hold_message(DEV, thread, f"Reply {n}")

    async with connected(sqlite_url, fake=fake) as second:
        texts = [r.text for r in await _replies(second, thread)]
        assert texts == [f"Reply {n}" for n in range(105)]
        assert len(fake.calls_to("GET", rf"/channels/{thread}/messages")) == 2  # 100, then 5
