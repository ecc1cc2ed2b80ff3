"""Reactions as appreciation: a member may take a reaction off and put it back, a
redelivered reaction changes nothing, and who reacted never reaches a log line."""

from __future__ import annotations

import logging

import pytest

from tests.adapters.discord.conftest import DEV, LENA, Actions, World, uid
from tests.adapters.discord.test_discord_reliability import replies_of


async def appreciations(world: World) -> list[int]:
    return [reply.appreciations for reply in await replies_of(world)]


async def test_a_reaction_taken_off_and_put_back_counts_once(
    discord_world: World, act: Actions
) -> None:
    _, tip = await act.anonymous_post_with_a_tip()

    await act.react(DEV, tip, "👍")
    await act.unreact(DEV, tip, "👍")
    assert await appreciations(discord_world) == [0]

    await act.react(DEV, tip, "👍")
    assert await appreciations(discord_world) == [1]
    await act.react(DEV, tip, "👍")  # redelivered
    assert await appreciations(discord_world) == [1]


async def test_who_reacted_stays_out_of_the_logs(
    discord_world: World, act: Actions, caplog: pytest.LogCaptureFixture
) -> None:
    _, tip = await act.anonymous_post_with_a_tip()
    caplog.set_level(logging.DEBUG)

    await act.react(LENA, tip, "👍")
    await act.react(LENA, tip, "👍")  # a redelivery is logged, by its event id

    assert "redelivery" in caplog.text
    assert uid(LENA) not in caplog.text
