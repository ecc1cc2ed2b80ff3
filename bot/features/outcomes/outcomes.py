"""Asking the poster how it turned out, and sharing their answer with the thread."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from bot.common.context import Context
from bot.common.forms import choices, field, form
from bot.contract.actions import FormKind, Verb, action_id
from bot.contract.events import FormSubmitted
from bot.contract.intents import (
    Button,
    Choice,
    DirectTo,
    EditMessage,
    Form,
    Intent,
    Message,
    OpenForm,
    Send,
    Thread,
)
from bot.domain.errors import Offer, RuleViolation
from bot.domain.member_text import shown
from bot.domain.model import (
    FollowUpKind,
    Member,
    OutcomeEvent,
    OutcomeReport,
    OutcomeResult,
    Post,
    Reply,
)
from bot.domain.rules import NOTE_MAX, parse_outcome_form
from bot.features.answers.replies import post_of_poster
from bot.features.care import crisis
from bot.features.lifecycle import schedule as followups
from bot.features.lifecycle.status_card import poster_name, refresh
from bot.features.templates.words import use_label
from bot.words.excerpt import excerpt
from bot.words.templates.records import TemplateUse

STILL_WAITING_ASKS = 1
SHAREABLE = frozenset(OutcomeResult) - {OutcomeResult.STILL_WAITING}


def ask_message(ctx: Context, post: Post) -> Message:
    """The private 'how did it go?' with one button per answer, snooze and stop."""
    answers = [
        Button(
            label=ctx.say(f"result.{result}"),
            action_id=(
                action_id(Verb.WAITING, post.id)
                if result is OutcomeResult.STILL_WAITING
                else action_id(Verb.OUTCOME, post.id, result.value)
            ),
            style="primary" if result is OutcomeResult.WORKED else "default",
        )
        for result in OutcomeResult
    ]
    buttons = (
        *answers,
        Button(label=ctx.say("button.snooze"), action_id=action_id(Verb.SNOOZE, post.id)),
        Button(
            label=ctx.say("button.stop_asking"),
            action_id=action_id(Verb.STOP, post.id),
            style="danger",
        ),
    )
    days = max((ctx.now - post.created_at).days, 1)
    return replace(ctx.message("outcome.ask", title=post.title, days=days), buttons=buttons)


async def _answers(ctx: Context, post: Post, replies: list[Reply] | None = None) -> list[Reply]:
    """What the poster may say they acted on: their thread's replies, and the library
    answers they posted into it (bot/features/library/sharing.py), which count for those
    answers' outcome records wherever they were given."""
    own = replies if replies is not None else await ctx.repo.replies(ctx.community_id, post.id)
    known = {reply.id for reply in own}
    shared = []
    for reply_id in await ctx.repo.library.shared_into(post.id):
        reply = await ctx.repo.reply(ctx.community_id, reply_id)
        if reply is not None and not reply.deleted and reply.id not in known:
            shared.append(reply)
    return [*own, *shared]


def _reply_choices(ctx: Context, replies: list[Reply]) -> tuple[Choice, ...]:
    return tuple(
        Choice(
            value=str(reply.id),
            label=ctx.say("link.reply", author=reply.author_name, excerpt=excerpt(reply.text)),
        )
        for reply in replies
        if not reply.by_poster and not reply.deleted
    )


def _template_choices(ctx: Context, uses: list[TemplateUse]) -> tuple[Choice, ...]:
    """One choice per template variant used (sent privately and posted counts once)."""
    firsts = {(u.template_key, u.channel, u.register): u for u in reversed(uses)}
    return tuple(
        Choice(value=str(use.id), label=use_label(ctx, use))
        for use in sorted(firsts.values(), key=lambda u: u.id)
    )


async def outcome_form(
    ctx: Context,
    post: Post,
    result: str,
    *,
    kind: FormKind = FormKind.OUTCOME,
    shared: OutcomeReport | None = None,
) -> Form:
    """The outcome form, or (with the update as `shared`) the form that changes it."""
    replies = await _answers(ctx, post)
    uses = await ctx.repo.templates.uses(ctx.community_id, post.id)
    shareable = [r for r in OutcomeResult if r in SHAREABLE]
    fields = [
        field(
            ctx,
            "result",
            "choice",
            required=True,
            initial=result,
            choices=choices(ctx, "result", shareable),
        ),
        field(
            ctx,
            "events",
            "multi_choice",
            choices=choices(ctx, "event", OutcomeEvent),
            initial=tuple(shared.events) if shared else (),
        ),
    ]
    reply_choices = _reply_choices(ctx, replies)
    if reply_choices:
        acted_on = tuple(str(r) for r in shared.acted_on_reply_ids) if shared else ()
        fields.append(
            field(ctx, "acted_on", "multi_choice", choices=reply_choices, initial=acted_on)
        )
    template_choices = _template_choices(ctx, uses)
    if template_choices:
        fields.append(
            field(
                ctx,
                "templates_used",
                "multi_choice",
                choices=template_choices,
                initial=tuple(c.value for c in template_choices),
            )
        )
    note = shared.note if shared else ""
    fields.append(field(ctx, "note", "long_text", max_length=NOTE_MAX, initial=note, hinted=True))
    return form(ctx, kind, fields, post.id)


def already_shared(post: Post) -> RuleViolation:
    """The answer to a second share (a button pressed again, a form sent twice, the loser
    of a race): no second update, but a way to change the first one on purpose."""
    change = Offer("button.change_update", action_id(Verb.OUTCOME_CHANGE, post.id))
    return RuleViolation("outcome.already_shared", offers=(change,), title=post.title)


async def _not_shared_yet(ctx: Context, actor: Member, setback_id: int | None) -> Post:
    """The poster's post, unless its update was shared already (a button pressed again, or
    pressed at once on two devices)."""
    post = await post_of_poster(ctx, actor, setback_id)
    if await ctx.repo.has_outcome(ctx.community_id, post.id):
        raise already_shared(post)
    return post


async def open_outcome_form(
    ctx: Context, actor: Member, setback_id: int | None, result: str
) -> list[Intent]:
    post = await _not_shared_yet(ctx, actor, setback_id)
    if result not in OutcomeResult.__members__.values():
        raise RuleViolation("error.unknown_action")
    return [OpenForm(user_id=actor.user_id, form=await outcome_form(ctx, post, result))]


async def _still_asking(ctx: Context, actor: Member, setback_id: int | None) -> Post:
    """The post, if Rebound is still asking about its outcome; a friendly refusal if not."""
    post = await _not_shared_yet(ctx, actor, setback_id)
    if post.stop_asking:
        raise RuleViolation("outcome.stopped", title=post.title)
    return post


async def _next_ask(ctx: Context, post: Post) -> datetime | None:
    """When the next ask is already set for (a button pressed twice), if it is."""
    due_at = await ctx.repo.pending_due_at(post.id, FollowUpKind.OUTCOME_ASK)
    return due_at if due_at is not None and due_at > ctx.now else None


async def snooze(ctx: Context, actor: Member, setback_id: int | None) -> list[Intent]:
    post = await _still_asking(ctx, actor, setback_id)
    when = await _next_ask(ctx, post)
    if when is None:
        await followups.ask_outcome_again(ctx, post, ctx.settings.snooze_days)
        when = ctx.now + timedelta(days=ctx.settings.snooze_days)
    return [ctx.notice(actor, "outcome.snoozed", date=ctx.day(when))]


async def stop_asking(ctx: Context, actor: Member, setback_id: int | None) -> list[Intent]:
    post = await post_of_poster(ctx, actor, setback_id)
    await ctx.repo.update_post(ctx.community_id, post.id, stop_asking=True)
    await ctx.repo.cancel(post.id, FollowUpKind.OUTCOME_ASK, ctx.now)
    return [ctx.notice(actor, "outcome.stopped", title=post.title)]


async def still_waiting(ctx: Context, actor: Member, setback_id: int | None) -> list[Intent]:
    """'Still waiting' earns one more ask later; after that Rebound stops asking."""
    post = await _still_asking(ctx, actor, setback_id)
    when = await _next_ask(ctx, post)
    if when is not None:
        return [ctx.notice(actor, "outcome.waiting", date=ctx.day(when))]
    waits = post.still_waiting_count + 1
    await ctx.repo.update_post(ctx.community_id, post.id, still_waiting_count=waits)
    if waits > STILL_WAITING_ASKS:
        await ctx.repo.cancel(post.id, FollowUpKind.OUTCOME_ASK, ctx.now)
        return [ctx.notice(actor, "outcome.waiting_last", title=post.title)]
    await followups.ask_outcome_again(ctx, post, ctx.settings.still_waiting_days)
    when = ctx.now + timedelta(days=ctx.settings.still_waiting_days)
    return [ctx.notice(actor, "outcome.waiting", date=ctx.day(when))]


def _update_text(
    ctx: Context,
    post: Post,
    replies: list[Reply],
    uses: list[TemplateUse],
    report: OutcomeReport,
    *,
    headline: str = "outcome.update.headline",
) -> Message:
    """The update for the thread; it names its headline's key and params."""
    first = ctx.message(
        headline, author=poster_name(post), result=ctx.say(f"result.{report.result}")
    )
    parts = [first.text]
    if report.events:
        events = ", ".join(ctx.say(f"event.{event}") for event in report.events)
        parts.append(ctx.say("outcome.update.events", events=events))
    acted_on = report.acted_on_reply_ids
    names = sorted({r.author_name for r in replies if r.id in acted_on and not r.deleted})
    if names:
        parts.append(ctx.say("outcome.update.acted_on", names=_each_shown(names)))
    sent = report.sent_template_use_ids
    titles = sorted({u.template_title for u in uses if u.id in sent})
    if titles:
        parts.append(ctx.say("outcome.update.templates", titles=_each_shown(titles)))
    if report.note:
        parts.append(ctx.say("outcome.update.note", note=report.note))
    return replace(first, text="\n".join(parts))


def _each_shown(texts: list[str]) -> str:
    """Members' texts listed in one sentence: each keeps its direction to itself."""
    return ", ".join(shown(text) for text in texts)


async def submit_outcome(
    ctx: Context, event: FormSubmitted, setback_id: int | None
) -> list[Intent]:
    """Save the update, post it in the thread, and tell everyone who replied."""
    post = await post_of_poster(ctx, event.actor, setback_id)
    replies = await ctx.repo.replies(ctx.community_id, post.id)
    answers = await _answers(ctx, post, replies)
    uses = await ctx.repo.templates.uses(ctx.community_id, post.id)
    report = parse_outcome_form(event.values, answers, [use.id for use in uses])
    if await ctx.repo.add_outcome(post, report, ctx.now) is None:  # one update per post
        raise already_shared(post)
    await ctx.repo.templates.mark_sent(ctx.community_id, post.id, report.sent_template_use_ids)
    await ctx.repo.cancel(post.id, FollowUpKind.OUTCOME_ASK, ctx.now)
    result_label = ctx.say(f"result.{report.result}")
    text = _update_text(ctx, post, answers, uses, report)
    intents = await _in_thread(ctx, post, text)
    intents.extend(_answered_ask(ctx, post))
    intents.extend(_tell_repliers(ctx, post, replies, report.acted_on_reply_ids, result_label))
    intents.append(ctx.notice(event.actor, "outcome.thanks", title=post.title))
    intents.extend(await crisis.screen(ctx, post, event.actor, report.note))
    return intents


async def open_change_form(ctx: Context, actor: Member, setback_id: int | None) -> list[Intent]:
    """The outcome form again, filled with the update as shared, to change it on purpose."""
    post = await post_of_poster(ctx, actor, setback_id)
    shared = await ctx.repo.outcome(ctx.community_id, post.id)
    if shared is None:
        raise RuleViolation("error.unknown_action")
    changing = await outcome_form(
        ctx, post, shared.result, kind=FormKind.OUTCOME_CHANGE, shared=shared
    )
    return [OpenForm(user_id=actor.user_id, form=changing)]


async def submit_change(ctx: Context, event: FormSubmitted, setback_id: int | None) -> list[Intent]:
    """A changed update replaces the shared one and is posted in the thread as a change;
    the helpers were told once and are not told again."""
    post = await post_of_poster(ctx, event.actor, setback_id)
    shared = await ctx.repo.outcome(ctx.community_id, post.id)
    if shared is None:
        raise RuleViolation("error.unknown_action")
    replies = await _answers(ctx, post)
    uses = await ctx.repo.templates.uses(ctx.community_id, post.id)
    report = parse_outcome_form(event.values, replies, [use.id for use in uses])
    if replace(report, sent_template_use_ids=()) == shared:  # sent twice, or nothing new
        return [ctx.notice(event.actor, "outcome.unchanged", title=post.title)]
    await ctx.repo.change_outcome(post, report, ctx.now)
    await ctx.repo.templates.mark_sent(ctx.community_id, post.id, report.sent_template_use_ids)
    text = _update_text(
        ctx, post, replies, uses, report, headline="outcome.update.changed_headline"
    )
    intents = await _in_thread(ctx, post, text)
    intents.append(ctx.notice(event.actor, "outcome.changed", title=post.title))
    intents.extend(await crisis.screen(ctx, post, event.actor, report.note))
    return intents


async def _in_thread(ctx: Context, post: Post, update: Message) -> list[Intent]:
    """The update posted in the post's thread, and its status brought up to date."""
    intents: list[Intent] = []
    if post.thread_ref:
        intents.append(Send(target=Thread(thread_ref=post.thread_ref), message=update))
    intents.extend(await refresh(ctx, post))
    return intents


def _answered_ask(ctx: Context, post: Post) -> list[Intent]:
    """The last ask loses its buttons once answered: they no longer apply."""
    if post.outcome_ask_ref is None:
        return []
    answered = ctx.message("outcome.ask_answered", title=post.title)
    return [EditMessage(message_ref=post.outcome_ask_ref, message=answered)]


async def on_ask_sent(ctx: Context, setback_id: int, ref: str) -> None:
    await ctx.repo.update_post(ctx.community_id, setback_id, outcome_ask_ref=ref)


def _tell_repliers(
    ctx: Context, post: Post, replies: list[Reply], acted_on: tuple[int, ...], result: str
) -> list[Intent]:
    acted_authors = {reply.author_id for reply in replies if reply.id in acted_on}
    told: dict[str, Intent] = {}
    author = poster_name(post)
    for reply in replies:
        if reply.by_poster or reply.deleted or reply.author_id in told:
            continue
        if reply.author_id in acted_authors:
            message = ctx.message(
                "outcome.told_acted",
                name=reply.author_name,
                author=author,
                title=post.title,
                result=result,
            )
        else:
            message = ctx.message("outcome.told", author=author, title=post.title, result=result)
        told[reply.author_id] = Send(target=DirectTo(user_id=reply.author_id), message=message)
    return list(told.values())
