"""Community ids are made and read in one place."""

from __future__ import annotations

import pytest

from bot.contract.ids import CommunityId


def test_an_id_names_its_platform_and_the_platforms_own_id() -> None:
    made = CommunityId.of("slack", "T0123")
    assert made == "slack:T0123"
    assert (made.platform, made.native) == ("slack", "T0123")
    assert CommunityId.parse("discord:4411:extra").native == "4411:extra"


@pytest.mark.parametrize("platform", ["", "Slack", "sl ack", "9x"])
def test_a_malformed_platform_is_refused_where_the_id_is_made(platform: str) -> None:
    with pytest.raises(ValueError, match="platform"):
        CommunityId.of(platform, "T1")


@pytest.mark.parametrize("raw", ["slack", "slack:", "slack: T1"])
def test_a_malformed_id_is_refused_when_read(raw: str) -> None:
    with pytest.raises(ValueError, match="community"):
        CommunityId.parse(raw)
