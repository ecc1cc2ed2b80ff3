"""Reactions as appreciation: a member may take a reaction off and put it back, a
redelivered reaction changes nothing, and who reacted never reaches a log line."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.adapters.discord import payloads as p
from tests.adapters.discord.conftest import DEV, LENA, PRIYA, Actions, World, uid
from tests.adapters.discord.test_discord_reliability import replies_of


def reaction_remove(who: dict[str, Any], message: dict[str, Any], emoji: str) -> dict[str, Any]:
    """MESSAGE_REACTION_REMOVE: as an add, but Discord sends no `member`."""
    payload = p.reaction_add(who, message["channel_id"], message["id"], emoji)
    del payload["member"]
    return payload


async def appreciations(world: World) -> list[int]:
    return [reply.appreciations for reply in await replies_of(world)]


async def test_a_reaction_taken_off_and_put_back_counts_once(
    discord_world: World, act: Actions
) -> None:
    fake = discord_world.fake
    thread = await act.post_setback(LENA, anonymous=True)
    tip = await act.say(PRIYA, thread, "Write to the recruiter.")

    await act.react(DEV, tip, "👍")
    await fake.dispatch("MESSAGE_REACTION_REMOVE", reaction_remove(DEV, tip, "👍"))
    await fake.settle()
    assert await appreciations(discord_world) == [0]

    await act.react(DEV, tip, "👍")
    assert await appreciations(discord_world) == [1]
    await act.react(DEV, tip, "👍")  # redelivered
    assert await appreciations(discord_world) == [1]


async def test_who_reacted_stays_out_of_the_logs(
    discord_world: World, act: Actions, caplog: pytest.LogCaptureFixture
) -> None:
    thread = await act.post_setback(LENA, anonymous=True)
    tip = await act.say(PRIYA, thread, "Write to the recruiter.")
    caplog.set_level(logging.DEBUG)

    await act.react(LENA, tip, "👍")
    await act.react(LENA, tip, "👍")  # a redelivery is logged, by its event id

    assert "redelivery" in caplog.text
    assert uid(LENA) not in caplog.text
