"""The support forum's tags: Rebound's are created if missing, and found by name."""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Sequence

import discord

log = logging.getLogger(__name__)

FORUM_TAGS_MAX = 20
POST_TAGS_MAX = 5
TAG_NAME_MAX = 20


def tag_name(name: str) -> str:
    return name[:TAG_NAME_MAX]


async def ensure_tags(forum: discord.ForumChannel, names: Iterable[str]) -> list[discord.ForumTag]:
    """The forum's tags after adding those of `names` it lacks (as many as fit in 20)."""
    existing = list(forum.available_tags)
    have = {tag.name for tag in existing}
    missing = list(dict.fromkeys(tag_name(n) for n in names if tag_name(n) not in have))
    room = FORUM_TAGS_MAX - len(existing)
    if not missing:
        return existing
    if len(missing) > room:
        log.warning("forum %s has room for %d of %d missing tags", forum.id, room, len(missing))
    if room <= 0:
        return existing
    added = [discord.ForumTag(name=name) for name in missing[:room]]
    edited = await forum.edit(available_tags=[*existing, *added])
    return list(edited.available_tags) if isinstance(edited, discord.ForumChannel) else existing


def pick(tags: Sequence[discord.ForumTag], names: Iterable[str]) -> list[discord.ForumTag]:
    """The forum tags named, in order, at most five (Discord's limit per post)."""
    by_name = {tag.name: tag for tag in tags}
    chosen = [by_name[tag_name(n)] for n in names if tag_name(n) in by_name]
    return chosen[:POST_TAGS_MAX]


def with_kept(
    chosen: Sequence[discord.ForumTag],
    current: Sequence[discord.ForumTag],
    state_names: Collection[str],
) -> list[discord.ForumTag]:
    """The tags Rebound chose, then those already on the post that are not Rebound's state
    tags (a member picks tags when posting in the forum directly), at most five."""
    chosen_ids = {tag.id for tag in chosen}
    kept = [t for t in current if t.name not in state_names and t.id not in chosen_ids]
    return [*chosen, *kept][:POST_TAGS_MAX]
