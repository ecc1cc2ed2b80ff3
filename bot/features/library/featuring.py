"""Moderators feature a reply into the library, with a topic and a one-line summary,
through a form; the same form edits them, or takes the reply out of the library."""

from __future__ import annotations

from bot.common.audit import record
from bot.common.context import Context
from bot.common.forms import field, form
from bot.common.library_entries import add_best, document
from bot.contract.actions import FormKind
from bot.contract.events import FormSubmitted, MessageActionInvoked
from bot.contract.intents import Choice, Intent, OpenForm
from bot.domain.errors import FormInvalid, RuleViolation
from bot.domain.model import Post, Reply
from bot.domain.moderation import Action
from bot.domain.rules import form_flag, form_text, require_text
from bot.features.library.topics import matching, topics
from bot.features.moderation.guard import require_moderator
from bot.features.moderation.targets import reply_at, reply_by_id

FEATURE_ANSWER = "feature_answer"
SUMMARY_MAX = 150
CHECKED = "yes"


async def open_form(ctx: Context, event: MessageActionInvoked) -> list[Intent]:
    """The "Feature in library" message action: the form, filled in when already featured."""
    require_moderator(event.actor)
    post, reply = await reply_at(ctx, event.message_ref)
    _check_featurable(post, reply, hidden=await ctx.repo.library.hidden(reply.id))
    known = await ctx.repo.library.featured(ctx.community_id, reply.id)
    choices = tuple(Choice(value=topic, label=topic) for topic in await topics(ctx))
    fields = [
        field(
            ctx,
            "topic",
            "choice",
            required=True,
            choices=choices,
            initial=known.topic if known else "",
        ),
        field(
            ctx,
            "summary",
            "text",
            required=True,
            max_length=SUMMARY_MAX,
            initial=known.summary if known else "",
            hinted=True,
        ),
    ]
    if known is not None:
        fields.append(field(ctx, "unfeature", "checkbox"))
    return [
        OpenForm(user_id=event.actor.user_id, form=form(ctx, FormKind.FEATURE, fields, reply.id))
    ]


def _check_featurable(post: Post, reply: Reply, *, hidden: bool) -> None:
    if post.is_withdrawn:
        raise RuleViolation("error.post_withdrawn")
    if hidden:
        raise RuleViolation("library.reply_hidden")


async def submit(ctx: Context, event: FormSubmitted, reply_id: int | None) -> list[Intent]:
    require_moderator(event.actor)
    post, reply = await reply_by_id(ctx, reply_id)
    if form_flag(event.values, "unfeature"):
        library = ctx.repo.library
        if not await library.unfeature(ctx.community_id, reply.id, keep_as_best=reply.is_best):
            raise RuleViolation("library.not_featured")
        if reply.is_best:  # still in the library, as its poster's best answer
            await add_best(ctx, post, reply, reply.best_marked_by or event.actor.user_id)
        await record(ctx, event.actor, Action.UNFEATURE, post=post, reply=reply)
        return [ctx.notice(event.actor, "library.unfeatured", title=post.title)]
    _check_featurable(post, reply, hidden=await ctx.repo.library.hidden(reply.id))
    topic, summary = await _validated(ctx, event)
    created = await ctx.repo.library.feature(
        ctx.community_id,
        reply_id=reply.id,
        setback_id=post.id,
        topic=topic,
        summary=summary,
        by=event.actor.user_id,
        document=document(ctx, post, reply, summary, topic),
        now=ctx.now,
    )
    action = Action.FEATURE if created else Action.EDIT_FEATURE
    await record(ctx, event.actor, action, post=post, reply=reply, reason=summary)
    key = "library.featured" if created else "library.feature_edited"
    return [ctx.notice(event.actor, key, title=post.title, topic=topic)]


async def _validated(ctx: Context, event: FormSubmitted) -> tuple[str, str]:
    problems: dict[str, RuleViolation] = {}
    raw_topic = form_text(event.values, "topic")
    topic = matching(await topics(ctx), raw_topic)
    if topic is None:
        problems["topic"] = RuleViolation("error.unknown_choice", value=raw_topic[:60])
    summary = ""
    try:
        summary = require_text(form_text(event.values, "summary"), "summary", SUMMARY_MAX)
    except RuleViolation as problem:
        problems["summary"] = problem
    if problems or topic is None:
        raise FormInvalid(problems)
    return topic, " ".join(summary.split())
