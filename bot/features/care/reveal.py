"""`/rebound reveal <post> <reason>`: a moderator learns who shared an anonymous post.

Only where the community allows it (`reveal_allowed`, off by default), only for a
moderator, only with a reason. The reason goes to `care_event` with who asked; the name is
told to that moderator alone, privately, and the poster is told (by DM, whatever their DM
choice) that it happened and why. Everything else keeps the poster hidden.
"""

from __future__ import annotations

import logging

from bot.common.context import Context
from bot.contract.intents import DirectTo, Intent, Send
from bot.domain.errors import RuleViolation
from bot.domain.model import Member
from bot.domain.rules import RECORD_ID
from bot.store.care_repo import CareKind

log = logging.getLogger(__name__)

REASON_MIN = 10


async def reveal(ctx: Context, actor: Member, text: str) -> list[Intent]:
    if not actor.is_moderator:
        raise RuleViolation("care.moderators_only")
    if not ctx.settings.reveal_allowed:
        raise RuleViolation("reveal.off")
    number, _, reason = text.strip().partition(" ")
    reason = reason.strip()
    if not RECORD_ID.fullmatch(number.lstrip("#")):
        raise RuleViolation("reveal.how")
    if len(reason) < REASON_MIN:
        raise RuleViolation("reveal.reason_needed")
    post = await ctx.repo.post(ctx.community_id, int(number.lstrip("#")))
    if post is None or not post.anonymous or post.is_withdrawn:
        raise RuleViolation("reveal.not_anonymous")
    await ctx.repo.care.add_event(
        ctx.community_id, post.id, CareKind.REVEAL, actor.user_id, now=ctx.now, reason=reason
    )
    log.info("care: post %s revealed to a moderator (reason recorded)", post.id)
    told = ctx.message("reveal.told", title=post.title, reason=reason)
    return [
        ctx.notice(actor, "reveal.shown", post=str(post.id), name=post.poster_name),
        Send(target=DirectTo(user_id=post.poster_id), message=told),
    ]
