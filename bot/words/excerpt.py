"""Previews of member-written text (how it is made safe to show: bot/domain/member_text.py)."""

from __future__ import annotations


def excerpt(text: str, limit: int = 60) -> str:
    """A one-line preview of `text`, cut at a word boundary."""
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    cut = line[: limit - 1].rsplit(" ", 1)[0]
    return f"{cut}…"
