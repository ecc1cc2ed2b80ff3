"""Redeliveries, rate limits, outages, closed DMs and slow work, against the fake."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.contract.events import InboundEvent
from bot.contract.intents import Intent
from bot.contract.ports import Outbox
from tests.adapters.discord import payloads as p
from tests.adapters.discord.conftest import (
    DEV,
    LENA,
    PRIYA,
    SAM,
    Actions,
    World,
    buttons_in,
    connected,
    uid,
)

RATE_LIMITED = {
    "X-RateLimit-Limit": "5",
    "X-RateLimit-Remaining": "0",
    "X-RateLimit-Reset-After": "0.05",
    "X-RateLimit-Bucket": "forum-threads",
    "X-RateLimit-Scope": "user",
    "Retry-After": "1",
    # discord.py takes a 429 without `Via` for a Cloudflare ban and gives up at once.
    "Via": "1.1 google",
}


async def replies_of(world: World, setback_id: int = 1) -> list[Any]:
    async with world.bridge.core.store.transaction() as repo:
        assert world.bridge.community is not None
        return list(await repo.replies(world.bridge.community.community_id, setback_id))


async def test_repeated_gateway_deliveries_make_one_record_and_one_message(
    discord_world: World, act: Actions
) -> None:
    fake = discord_world.fake
    thread = await act.post_setback(LENA, anonymous=True)
    reply = p.guild_message(p.snowflake(), thread, PRIYA, "Write to them today.")
    dm_channel = fake.dm_channels.setdefault(uid(LENA), p.snowflake())
    dm = p.message(p.snowflake(), dm_channel, LENA["user"], "Thank you all.", guild=False)
    for _ in range(3):  # a resume replays what the client may already have seen
        await fake.dispatch("MESSAGE_CREATE", reply)
        await fake.dispatch("MESSAGE_CREATE", dm)
    await fake.settle()

    assert [r.text for r in await replies_of(discord_world)] == [
        "Write to them today.",
        "Thank you all.",
    ]
    relayed = [c for c in fake.posts_in(thread) if "Thank you all." in c.body["content"]]
    assert len(relayed) == 1


async def test_a_repeated_interaction_makes_one_post(discord_world: World, act: Actions) -> None:
    fake = discord_world.fake
    modal = await act.open_setback(LENA)
    submit = p.modal_submit(
        LENA, modal["custom_id"], {"title": "Ghosted", "body": "No word since."}
    )
    await act.interact(submit)
    await act.interact(submit)  # the same interaction id again

    assert len(fake.forum_posts()) == 1


async def test_429_is_waited_out_by_discord_py_and_the_post_made_once(
    discord_world: World, act: Actions
) -> None:
    fake = discord_world.fake
    body = {"message": "You are being rate limited.", "retry_after": 0.05, "global": False}
    fake.fail("POST", rf"/channels/{p.FORUM_ID}/threads", 429, body=body, headers=RATE_LIMITED)

    await act.post_setback(LENA)

    attempts = fake.calls_to("POST", rf"/channels/{p.FORUM_ID}/threads")
    assert [c.status for c in attempts] == [429, 201]
    assert len(fake.forum_posts()) == 1


async def test_a_server_error_is_retried_by_the_next_tick(
    discord_world: World, act: Actions
) -> None:
    fake = discord_world.fake
    fake.fail("POST", rf"/channels/{p.FORUM_ID}/threads", 503, body={"message": "unavailable"})
    modal = await act.open_setback(LENA)
    await act.interact(
        p.modal_submit(LENA, modal["custom_id"], {"title": "Panel", "body": "Froze."})
    )
    assert fake.forum_posts() == []

    await discord_world.tick(hours=1)

    assert len(fake.forum_posts()) == 1
    assert fake.forum_posts()[0].body["name"] == "Panel"


async def hold_lenas_ask(world: World, act: Actions) -> None:
    """Lena's outcome ask comes due while her DMs are closed: Discord refuses it."""
    world.fake.closed_dms.add(uid(LENA))
    await act.post_setback(LENA, anonymous=True, ask_outcome_on="2026-03-10")
    await world.tick(hours=9 * 24)


async def test_closed_dms_hand_the_ask_over_at_the_next_command(
    discord_world: World, act: Actions
) -> None:
    fake = discord_world.fake
    await hold_lenas_ask(discord_world, act)
    refused = fake.calls_to("POST", rf"/channels/{fake.dm_channels[uid(LENA)]}/messages")
    assert refused and all(c.status == 403 for c in refused)

    used = await act.interact(p.slash_command(LENA, "template"))

    shown = [c for c in act.answers_to(used) if "How did things turn out" in str(c.body)]
    assert len(shown) == 1 and fake.private_to(uid(LENA), shown[0])
    assert any(b.get("label") == "It worked" for b in buttons_in(shown[0].body))
    fake.closed_dms.clear()
    await discord_world.tick(hours=1)
    assert fake.dms_to(uid(LENA)) == []  # handed over once: not sent again by DM


async def test_a_held_ask_that_could_not_be_shown_is_kept_for_next_time(
    discord_world: World, act: Actions
) -> None:
    fake = discord_world.fake
    await hold_lenas_ask(discord_world, act)
    elsewhere = p.guild_message(p.snowflake(), p.GENERAL_ID, PRIYA, "not a Rebound reply")
    # One answer, then the held ask as a follow-up, which Discord refuses (say the
    # interaction's token expired meanwhile).
    fake.fail("POST", r"/webhooks/\d+/[^/]+$", 404, body={"code": 10015, "message": "Unknown"})
    first = await act.mark(LENA, elsewhere)
    assert [c.status for c in act.answers_to(first) if "How did things turn out" in c.text] == [404]

    again = await act.mark(LENA, elsewhere)

    shown = [c for c in act.answers_to(again) if "How did things turn out" in c.text]
    assert [c.status for c in shown] == [200] and fake.private_to(uid(LENA), shown[0])


class SlowCore:
    """The core, behind a database that takes longer than Discord's 3 seconds (scaled)."""

    def __init__(self, world: World, delay: float) -> None:
        self.handle_now = world.bridge.core.handle
        self.delay = delay

    async def handle(self, event: InboundEvent, outbox: Outbox) -> list[Intent]:
        await asyncio.sleep(self.delay)
        return await self.handle_now(event, outbox)


@pytest.fixture
async def slow_world(sqlite_url: str) -> AsyncIterator[World]:
    # Deadline and delay scaled down 20 times from Discord's 3 s, to keep the suite fast.
    async with connected(sqlite_url, ack_deadline_seconds=0.1) as world:
        world.bridge.core.handle = SlowCore(world, delay=0.4).handle  # type: ignore[method-assign]
        yield world


async def test_a_slow_core_is_deferred_in_time_and_answers_after(slow_world: World) -> None:
    act = Actions(slow_world)
    fake = slow_world.fake
    target = p.guild_message(p.snowflake(), p.GENERAL_ID, PRIYA, "not a Rebound reply")

    sent = await act.mark(DEV, target)

    calls = act.answers_to(sent)
    assert calls[0].path.endswith("/callback") and calls[0].body["type"] == 5  # thinking
    assert calls[0].body["data"]["flags"] == 64
    assert calls[1].path.endswith(f"/{sent['token']}") and calls[1].body["flags"] == 64
    assert "find that reply" in calls[1].body["content"]
    assert fake.private_to(uid(DEV), calls[1])


async def test_a_form_too_slow_for_a_modal_is_offered_as_a_button(slow_world: World) -> None:
    act = Actions(slow_world)
    sent = await act.interact(p.slash_command(LENA, "setback", {"anonymous": True}))
    deferred, offer = act.answers_to(sent)
    assert deferred.body["type"] == 5
    (button,) = buttons_in(offer.body)
    assert button["custom_id"].startswith("rb:open:")  # kept by the core, on any replica

    shown = p.message(p.snowflake(), p.GENERAL_ID, slow_world.fake.bot, "")
    shown["components"] = offer.body["components"]
    clicked = await act.interact(p.button_press(LENA, button["custom_id"], shown))

    (modal,) = act.answers_to(clicked)
    assert modal.body["type"] == 9  # one read, not the slow path: in time for a modal
    # What the command already chose (anonymous) still comes back with the answers.
    assert modal.body["data"]["custom_id"] == "rb:form:setback|anonymous=yes"


async def test_autocomplete_answers_in_time_even_when_the_database_is_slow(
    slow_world: World,
) -> None:
    act = Actions(slow_world)
    suggest_now = slow_world.bridge.core.suggest_templates

    async def slow_suggestions(*args: Any) -> Any:
        await asyncio.sleep(0.4)  # four times the (scaled) deadline
        return await suggest_now(*args)

    slow_world.bridge.core.suggest_templates = slow_suggestions  # type: ignore[method-assign, assignment]
    typing = p.slash_command(SAM, "template", {"id": "second_con"})
    typing["type"] = 4  # APPLICATION_COMMAND_AUTOCOMPLETE: it cannot be deferred
    typing["data"]["options"][0]["focused"] = True

    (answer,) = act.answers_to(await act.interact(typing))

    # Answered at the deadline with no choices rather than after it, when Discord has
    # given up; the member's next keystroke asks again.
    assert answer.body == {"type": 8, "data": {"choices": []}}
