"""Every tag a post can carry, so a platform with a fixed tag list can create them up front."""

from __future__ import annotations

from bot.domain.model import SetbackKind, Stage
from bot.words.content import Content

STATE_TAG_KEYS = ("tag.answered", "tag.update_shared", "tag.closed")


def all_thread_tags(content: Content, locale: str) -> tuple[str, ...]:
    """Stage and kind tags, then Answered / Update shared / Closed (as `thread_tags` names them)."""
    keys = (
        *(f"stage.{stage}" for stage in Stage),
        *(f"kind.{kind}" for kind in SetbackKind),
        *STATE_TAG_KEYS,
    )
    return tuple(content.render(key, locale) for key in keys)
