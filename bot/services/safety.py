"""Make member-written text safe to relay: it must never ping anyone, anywhere."""

from __future__ import annotations

import re

ZERO_WIDTH_SPACE = "\u200b"

# Slack's special mentions (<!channel>, <!here|here>, <!subteam^ID>), user and channel
# mentions (<@U123>, <#C123>), Discord's (<@123>, <@!123>, <@&123>), and bare @everyone/@here.
_SLACK_OR_DISCORD_MENTION = re.compile(r"<([!@#])([^<>]*)>")
_BARE_BROADCAST = re.compile(r"@(everyone|here|channel|all)\b", re.IGNORECASE)


def neutralise_mentions(text: str) -> str:
    """Keep the words of a mention but break the syntax that would make it ping."""

    def _spell_out(match: re.Match[str]) -> str:
        sigil, body = match.group(1), match.group(2)
        label = body.split("|", 1)[-1].lstrip("!&^")
        return f"{sigil}{ZERO_WIDTH_SPACE}{label}"

    text = _SLACK_OR_DISCORD_MENTION.sub(_spell_out, text)
    return _BARE_BROADCAST.sub(lambda m: f"@{ZERO_WIDTH_SPACE}{m.group(1)}", text)


def excerpt(text: str, limit: int = 60) -> str:
    """A one-line preview of `text`, cut at a word boundary."""
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    cut = line[: limit - 1].rsplit(" ", 1)[0]
    return f"{cut}…"
