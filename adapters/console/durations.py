"""Durations as people write them in scripts and at the prompt: `3d`, `12h`, `1w2d`, `90m`."""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS = {
    "w": timedelta(weeks=1),
    "d": timedelta(days=1),
    "h": timedelta(hours=1),
    "m": timedelta(minutes=1),
    "s": timedelta(seconds=1),
}
_WHOLE = re.compile(r"(?:\d+[wdhms])+")
_PART = re.compile(r"(\d+)([wdhms])")
MAX_DURATION = timedelta(days=3650)


class DurationError(ValueError):
    """Text that is not a duration; the message says how to write one."""


def parse_duration(text: str) -> timedelta:
    """Parse `3d`, `1d12h`, `2w`, `90m`, `30s` (no spaces, positive, at most 3650 days)."""
    compact = text.strip().lower().replace(" ", "")
    if not _WHOLE.fullmatch(compact):
        raise DurationError(f"bad duration {text!r}: write it like 3d, 12h, 1w2d or 90m")
    # Summed as whole seconds first: a huge count would overflow timedelta itself.
    seconds = sum(int(n) * int(_UNITS[unit].total_seconds()) for n, unit in _PART.findall(compact))
    if seconds <= 0:
        raise DurationError(f"bad duration {text!r}: it must be longer than zero")
    if seconds > MAX_DURATION.total_seconds():
        raise DurationError(
            f"bad duration {text!r}: it can be at most {MAX_DURATION.days}d (about ten years)"
        )
    return timedelta(seconds=seconds)


def format_duration(delta: timedelta) -> str:
    """The inverse of `parse_duration`, largest units first (`1d12h`)."""
    seconds = int(delta.total_seconds())
    parts = []
    for unit in ("d", "h", "m", "s"):
        size = int(_UNITS[unit].total_seconds())
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"
