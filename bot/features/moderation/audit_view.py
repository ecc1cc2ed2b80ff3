"""`/rebound audit [post or member]`: the latest moderator actions, newest first, paged
with an "Older" button. Only moderators see it; an anonymous poster never appears in it
(entries name posts by title and the moderator who acted)."""

from __future__ import annotations

from bot.common.context import Context
from bot.contract.actions import Verb, action_id
from bot.contract.intents import Button, Intent, Message, Notice
from bot.domain.model import Member
from bot.domain.moderation import LABELS, Action
from bot.features.moderation.guard import require_moderator
from bot.features.moderation.targets import member_named, post_named
from bot.store.audit_repo import AuditEntry
from bot.words.excerpt import excerpt

PAGE = 10
_POST, _MEMBER, _ALL = "p", "m", "-"


async def command(ctx: Context, actor: Member, words: list[str]) -> list[Intent]:
    require_moderator(actor)
    if not words:
        return await _page(ctx, actor, _ALL, "", None)
    member = member_named(words[0])
    if member is not None:
        return await _page(ctx, actor, _MEMBER, member, None)
    post = await post_named(ctx, words[0])
    return await _page(ctx, actor, _POST, str(post.id), None)


async def older(ctx: Context, actor: Member, args: tuple[str, ...]) -> list[Intent]:
    """The "Older" button: `rb:apage:<before id>:<p|m|->:<value>`."""
    require_moderator(actor)
    before = int(args[0]) if args and args[0].isascii() and args[0].isdigit() else None
    scope = args[1] if len(args) > 1 and args[1] in (_POST, _MEMBER) else _ALL
    value = args[2] if len(args) > 2 else ""
    if scope == _POST and not (value.isascii() and value.isdigit()):
        scope = _ALL
    return await _page(ctx, actor, scope, value, before)


async def _page(
    ctx: Context, actor: Member, scope: str, value: str, before: int | None
) -> list[Intent]:
    entries = await ctx.repo.audit.latest(
        ctx.community_id,
        setback_id=int(value) if scope == _POST else None,
        member_id=value if scope == _MEMBER else None,
        before_id=before,
        limit=PAGE + 1,
    )
    shown, more = entries[:PAGE], len(entries) > PAGE
    if not shown:
        return [ctx.notice(actor, "audit.none")]
    titles = await ctx.repo.library.titles(
        ctx.community_id, sorted({e.setback_id for e in shown if e.setback_id is not None})
    )
    lines = [ctx.say("audit.header", count=len(shown))]
    lines.extend(_line(ctx, entry, titles) for entry in shown)
    buttons: tuple[Button, ...] = ()
    if more:
        older_id = action_id(Verb.AUDIT_PAGE, shown[-1].id, scope, value)
        buttons = (Button(label=ctx.say("button.older"), action_id=older_id),)
    header = {"count": len(shown)}
    message = Message(text="\n".join(lines), buttons=buttons, key="audit.header", params=header)
    return [Notice(user_id=actor.user_id, message=message)]


def _line(ctx: Context, entry: AuditEntry, titles: dict[int, str]) -> str:
    assert entry.created_at is not None
    parts = [
        ctx.say(
            "audit.entry",
            number=entry.id,
            date=entry.created_at,
            actor=entry.actor_name,
            action=_action_label(ctx, entry.action),
        )
    ]
    if entry.setback_id is not None:
        title = titles.get(entry.setback_id) or ctx.say("audit.withdrawn_post")
        parts.append(ctx.say("audit.on_post", number=entry.setback_id, title=excerpt(title, 50)))
    if entry.reason:
        parts.append(ctx.say("audit.reason", reason=excerpt(entry.reason, 120)))
    return " ".join(parts)


def _action_label(ctx: Context, action: str) -> str:
    try:
        return ctx.say(LABELS[Action(action)])
    except ValueError:  # an action a newer release recorded
        return action
