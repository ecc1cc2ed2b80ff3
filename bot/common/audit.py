"""Every moderator action leaves one audit row, in the transaction that makes the change: a
redelivered action is a no-op (its event id is claimed), so it writes no second row."""

from __future__ import annotations

from bot.common.context import Context
from bot.domain.model import Member, Post, Reply
from bot.domain.moderation import Action
from bot.store.audit_repo import AuditEntry


def affected_member(post: Post | None, reply: Reply | None) -> str | None:
    """Whom an action touched: a reply's author or the poster, but never an anonymous
    poster (their replies are relayed under the pseudonym), so an audit view filtered by
    member can never tie them to their post."""
    by_anonymous_poster = reply is None or reply.by_poster or reply.relayed
    if post is not None and post.anonymous and by_anonymous_poster:
        return None
    if reply is not None:
        return reply.author_id
    return post.poster_id if post is not None else None


async def record(
    ctx: Context,
    actor: Member,
    action: Action,
    *,
    post: Post | None = None,
    reply: Reply | None = None,
    reason: str = "",
) -> None:
    entry = AuditEntry(
        action=action.value,
        actor_id=actor.user_id,
        actor_name=actor.display_name,
        reason=reason,
        setback_id=post.id if post is not None else None,
        reply_id=reply.id if reply is not None else None,
        member_id=affected_member(post, reply),
    )
    await ctx.repo.audit.record(ctx.community_id, entry, ctx.now)


async def mark_on_behalf(
    ctx: Context, actor: Member, post: Post, reply: Reply, *, marked: bool
) -> None:
    """A best mark by a moderator on the poster's behalf is a moderator action; the
    poster's own marks are not audited."""
    if actor.user_id != post.poster_id and actor.is_moderator:
        action = Action.MARK_BEST if marked else Action.UNMARK_BEST
        await record(ctx, actor, action, post=post, reply=reply)
