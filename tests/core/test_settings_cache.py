"""The settings the core keeps per community are bounded: one process may serve thousands
of communities, and its memory must not grow with how many it has seen."""

from __future__ import annotations

import pytest

from bot.common.bounded import Bounded
from bot.common.clock import ManualClock
from bot.domain.model import CommunitySettings
from bot.engine.bootstrap import build_rebound
from tests.support import START, shared_content

COMMUNITIES = {f"console:c{n}": f"helpers-{n}" for n in range(1, 4)}


def test_a_bounded_cache_forgets_the_least_recently_used() -> None:
    cache: Bounded[str, int] = Bounded(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recently used

    cache.put("c", 3)

    assert len(cache) == 2
    assert "b" not in cache
    assert (cache.get("a"), cache.get("c")) == (1, 3)
    assert cache.pop("a") == 1
    assert cache.pop("a") is None


def test_a_cache_holds_at_least_one_entry() -> None:
    with pytest.raises(ValueError, match="at least one"):
        Bounded[str, int](0)


async def test_the_core_keeps_at_most_the_configured_communities_settings(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REBOUND_SETTINGS_CACHE_SIZE", "2")
    clock = ManualClock(START)
    core = await build_rebound(sqlite_url, clock, content=shared_content())
    try:
        for community, helpers in COMMUNITIES.items():
            await core.ensure_community(
                community, "console", CommunitySettings(helpers_channel=helpers)
            )

        async def helpers_of(community: str) -> str | None:
            async with core.store.transaction() as repo:
                ctx = await core.context(repo, community, clock.now())
            return ctx.settings.helpers_channel

        seen = {community: await helpers_of(community) for community in COMMUNITIES}

        cache = core.kernel.settings_cache
        assert seen == COMMUNITIES
        assert (len(cache), cache.capacity) == (2, 2)
        assert "console:c1" not in cache
        # Forgotten, then needed again: read again from the database, unchanged.
        assert await helpers_of("console:c1") == "helpers-1"
        assert len(cache) == 2
    finally:
        await core.close()
