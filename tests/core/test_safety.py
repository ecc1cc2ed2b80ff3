"""Relayed text never pings: every mention syntax is broken but its words stay readable."""

from __future__ import annotations

import pytest

from bot.domain.member_text import ZERO_WIDTH_SPACE, neutralise_mentions
from bot.words.excerpt import excerpt


@pytest.mark.parametrize(
    ("raw", "must_not_contain"),
    [
        ("hey @everyone look", "@everyone"),
        ("hey @here look", "@here"),
        ("ping @channel", "@channel"),
        ("ping <!channel> now", "<!channel>"),
        ("ping <!here|here>", "<!here"),
        ("ping <!everyone>", "<!everyone>"),
        ("team <!subteam^S123|@design>", "<!subteam"),
        ("hi <@U12345>", "<@U12345>"),
        ("hi <@!1234567890>", "<@!"),
        ("role <@&998877>", "<@&"),
    ],
)
def test_mentions_are_neutralised(raw: str, must_not_contain: str) -> None:
    safe = neutralise_mentions(raw)
    assert must_not_contain not in safe
    assert ZERO_WIDTH_SPACE in safe


def test_plain_text_is_untouched() -> None:
    text = "Email me at jo@example.com about the <3 role"
    assert neutralise_mentions(text) == text


def test_excerpt_cuts_at_a_word() -> None:
    assert excerpt("one two three four", limit=10) == "one two…"
    assert excerpt("short", limit=10) == "short"
