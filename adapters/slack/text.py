"""Slack's text rules: escape its control characters, and cut long text to fit a block."""

from __future__ import annotations

import itertools

# Slack reads `&`, `<` and `>` as markup (links, mentions); escaped, they are just shown.
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def split_escaped(text: str, limit: int) -> list[str]:
    """`text`, escaped, in pieces of at most `limit` characters each.

    Pieces end at a line break or a space where one lies in the second half of the piece,
    so words are only cut when a single word is longer than half a piece.
    """
    rest = text.strip()
    whole = escape(rest)
    if len(whole) <= limit:
        return [whole] if whole else []
    pieces: list[str] = []
    while rest:
        fits = _fitting_prefix(rest, limit)
        cut = fits
        if fits < len(rest):
            for breaker in ("\n", " "):
                at = rest.rfind(breaker, 0, fits)
                if at > fits // 2:
                    cut = at
                    break
        pieces.append(escape(rest[:cut].rstrip()))
        rest = rest[cut:].lstrip()
    return pieces


def _fitting_prefix(text: str, limit: int) -> int:
    """The length of the longest prefix of `text` whose escaped form fits in `limit`."""
    costs = itertools.accumulate(len(_ESCAPES.get(char, char)) for char in text)
    return sum(1 for _ in itertools.takewhile(lambda total: total <= limit, costs))


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters with an ellipsis (for Slack's short labels)."""
    return text if len(text) <= limit else f"{text[: limit - 1]}…"
