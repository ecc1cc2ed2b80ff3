"""Fixtures for the console adapter's tests."""

from __future__ import annotations

import pytest

from adapters.console.world import World
from bot.common.clock import ManualClock
from tests.adapters.console.console_fakes import MAYA, MEMBERS, START


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def world(clock: ManualClock) -> World:
    world = World(clock, MEMBERS)
    world.acted_at(MAYA.user_id, world.place_of(MAYA.user_id))
    return world
