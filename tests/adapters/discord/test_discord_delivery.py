"""Exactly once on Discord: pieces tracked one by one, nonces Discord enforces, and a try
that was cut short found again instead of repeated; refusals classified."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from adapters.discord.outbox import DiscordOutbox
from bot.contract.intents import Channel, Message, Send, StartThread
from bot.contract.ports import Attempt
from bot.store.repo import OutboxState
from tests.adapters.discord import payloads as p
from tests.adapters.discord.conftest import LENA, Actions, World

LONG_BODY = " ".join(f"word{n}" for n in range(700))  # about 5,600 characters: three pieces


def outbox_of(world: World) -> DiscordOutbox:
    assert world.bridge.outbox is not None
    return world.bridge.outbox


async def states(world: World) -> dict[OutboxState, int]:
    async with world.bridge.core.store.transaction() as repo:
        return await repo.outbound.counts()


CANARY = "Lena" + "canary wrote this"


async def test_a_failing_second_piece_makes_one_thread_and_each_piece_once(
    discord_world: World, act: Actions
) -> None:
    fake = discord_world.fake
    # Every message into a channel fails three times: the post's second piece among them.
    fake.fail("POST", r"/channels/\d+/messages", 503, body={"message": "unavailable"}, times=3)
    modal = await act.open_setback(LENA)
    await act.interact(
        p.modal_submit(LENA, modal["custom_id"], {"title": "Long one", "body": LONG_BODY})
    )
    (forum_post,) = fake.forum_posts()
    thread_id = forum_post.response["id"]
    community = discord_world.bridge.community
    assert community is not None
    async with discord_world.bridge.core.store.transaction() as repo:
        post = await repo.post(community.community_id, 1)
    # The thread is known at once, while its second piece still fails.
    assert post is not None and post.thread_ref == thread_id

    for _ in range(4):
        await discord_world.tick(hours=1)

    assert len(fake.forum_posts()) == 1
    in_thread = [c.body["content"] for c in fake.posts_in(thread_id)]
    pieces = [text for text in in_thread if "word" in text]
    assert len(pieces) == 2  # the second and third pieces, once each
    assert len(set(pieces)) == 2
    assert " ".join([forum_post.body["message"]["content"], *pieces]).count("word699") == 1
    assert (await states(discord_world))[OutboxState.PENDING] == 0


async def test_a_repeated_nonce_within_its_window_returns_the_first_message(
    discord_world: World,
) -> None:
    fake, outbox = discord_world.fake, outbox_of(discord_world)
    now = discord_world.clock.now()
    send = Send(target=Channel(channel_id=str(p.HELPERS_ID)), message=Message(text="Hello"))

    first = await outbox.deliver(send, Attempt(key="41", started_at=now))
    again = await outbox.deliver(
        send, Attempt(key="41", maybe_sent_since=now, started_at=now + timedelta(seconds=30))
    )

    assert first == again
    assert [m["content"] for m in fake.made] == ["Hello"]
    assert [c.body["nonce"] for c in fake.posts_in(p.HELPERS_ID)] == ["rb41.0", "rb41.0"]
    assert all(c.body["enforce_nonce"] for c in fake.posts_in(p.HELPERS_ID))


async def test_past_the_nonce_window_the_channel_is_read_before_sending(
    discord_world: World,
) -> None:
    fake, outbox = discord_world.fake, outbox_of(discord_world)
    fake.nonce_window_s = 0  # Discord has forgotten the nonce
    now = discord_world.clock.now()
    send = Send(target=Channel(channel_id=str(p.HELPERS_ID)), message=Message(text="Hello"))

    first = await outbox.deliver(send, Attempt(key="42", started_at=now))
    later = now + timedelta(minutes=10)
    again = await outbox.deliver(send, Attempt(key="42", maybe_sent_since=now, started_at=later))

    assert first == again
    assert [m["content"] for m in fake.made] == ["Hello"]
    assert fake.calls_to("GET", rf"/channels/{p.HELPERS_ID}/messages")


async def test_a_forum_post_cut_short_is_found_not_made_again(discord_world: World) -> None:
    fake, outbox = discord_world.fake, outbox_of(discord_world)
    now = discord_world.clock.now()
    start = StartThread(
        channel_id=str(p.FORUM_ID), title="Panel", message=Message(text="It went badly.")
    )

    first = await outbox.deliver(start, Attempt(key="43", started_at=now))
    again = await outbox.deliver(start, Attempt(key="43", maybe_sent_since=now, started_at=now))

    assert first == again
    assert len(fake.forum_posts()) == 1


async def test_missing_permissions_are_given_up_at_once_with_the_code(
    discord_world: World, act: Actions
) -> None:
    fake = discord_world.fake
    body = {"message": "Missing Permissions", "code": 50013}
    fake.fail("POST", rf"/channels/{p.FORUM_ID}/threads", 403, body=body, times=5)
    modal = await act.open_setback(LENA)
    await act.interact(p.modal_submit(LENA, modal["custom_id"], {"title": "A", "body": "B"}))
    await discord_world.tick(hours=3)

    assert len(fake.calls_to("POST", rf"/channels/{p.FORUM_ID}/threads")) == 1
    async with discord_world.bridge.core.store.transaction() as repo:
        (row, *_rest) = await repo.outbound.given_up()
    assert (row.last_error, row.last_error_kind) == ("50013", "permanent")


async def test_an_adapter_error_is_logged_without_its_message(
    discord_world: World,
    act: Actions,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def broken(_message: object) -> None:
        raise RuntimeError(CANARY)  # tracebacks show this line: the canary is not on it

    monkeypatch.setattr(discord_world.bridge, "on_message", broken)
    with caplog.at_level(logging.DEBUG):
        await act.say(LENA, str(p.HELPERS_ID), "hello")

    assert "discord on_message failed with RuntimeError" in caplog.text
    assert "Lenacanary" not in caplog.text
