"""The library's topics: the list in content/ (`library_topics` in words.yaml, which a
community's content folder can replace) plus the topics its moderators added."""

from __future__ import annotations

from bot.common.audit import record
from bot.common.context import Context
from bot.contract.intents import Intent
from bot.domain.errors import RuleViolation
from bot.domain.model import Member
from bot.domain.moderation import Action
from bot.features.moderation.guard import require_moderator

TOPIC_MAX = 60
TOPICS_MAX = 25  # a Discord select menu shows at most 25 options


async def topics(ctx: Context) -> list[str]:
    listed = list(ctx.content.words("library_topics"))
    added = await ctx.repo.library.topics(ctx.community_id)
    known = {topic.casefold() for topic in listed}
    return [*listed, *(topic for topic in added if topic.casefold() not in known)]


def matching(known: list[str], value: str) -> str | None:
    """The topic `value` names, whatever its case."""
    wanted = " ".join(value.split()).casefold()
    return next((topic for topic in known if topic.casefold() == wanted), None)


async def add(ctx: Context, actor: Member, text: str) -> list[Intent]:
    """`/rebound topic <name>`: a moderator adds a topic for this community."""
    require_moderator(actor)
    name = " ".join(text.split())
    if not name:
        raise RuleViolation("library.topic_needed")
    if len(name) > TOPIC_MAX:
        raise RuleViolation("error.field_too_long", limit=TOPIC_MAX, length=len(name))
    known = await topics(ctx)
    if matching(known, name) is not None:
        raise RuleViolation("library.topic_exists", topic=name)
    if len(known) >= TOPICS_MAX:
        raise RuleViolation("library.topics_full", limit=TOPICS_MAX)
    await ctx.repo.library.add_topic(ctx.community_id, name, actor.user_id, ctx.now)
    await record(ctx, actor, Action.ADD_TOPIC, reason=name)
    return [ctx.notice(actor, "library.topic_added", topic=name)]


async def topics_like(ctx: Context, query: str, limit: int) -> list[str]:
    """Topics containing `query` (any case), in the list's order: autocomplete."""
    wanted = " ".join(query.split()).casefold()
    return [topic for topic in await topics(ctx) if wanted in topic.casefold()][:limit]
