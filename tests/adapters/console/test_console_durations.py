"""Durations: written like 3d or 1w2d, positive, and at most ten years."""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.console.durations import DurationError, format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [("3d", timedelta(days=3)), ("1w2d", timedelta(days=9)), ("90m", timedelta(minutes=90))],
)
def test_durations_as_people_write_them(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected
    assert parse_duration(format_duration(expected)) == expected


def test_the_longest_duration_is_ten_years() -> None:
    assert parse_duration("3650d") == timedelta(days=3650)
    with pytest.raises(DurationError, match="'3651d': it can be at most 3650d"):
        parse_duration("3651d")


@pytest.mark.parametrize("text", ["999999999999d", "99999999999999999999999w", "99999999d"])
def test_a_huge_duration_is_a_friendly_error_not_an_overflow(text: str) -> None:
    with pytest.raises(DurationError, match="at most 3650d"):
        parse_duration(text)
