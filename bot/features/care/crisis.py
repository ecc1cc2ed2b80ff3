"""A crisis screen hit: the author is given resources privately, moderators are alerted
without a quote, and the post's asks and reminders pause until a moderator resumes them.

Nothing is said publicly. The author's message and the alert go through the outbox with
the event that caused them, so each is delivered once. An author already alerted about on a
post is not alerted about again until a moderator resumes it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from bot.common.context import Context
from bot.contract.actions import Verb, action_id
from bot.contract.intents import Button, Channel, DirectTo, Intent, Link, Send
from bot.domain.errors import RuleViolation
from bot.domain.model import Member, Post
from bot.features.care.lexicon import community_lexicons
from bot.features.care.screen import Hit, screen_for
from bot.store.care_repo import CareKind
from bot.words.content import DEFAULT_LOCALE

log = logging.getLogger(__name__)


async def screen(
    ctx: Context,
    post: Post,
    author: Member,
    text: str,
    *,
    message_ref: str | None = None,
) -> list[Intent]:
    """Screen `text`, a post or a report the author wrote."""
    hit = screen_for(ctx.settings.locale).check(text)
    return await _answer(ctx, post, author, hit, message_ref)


@dataclass(frozen=True)
class ReplyScreen:
    """A reply's words screened by themselves: the phrase found, or whether the message
    just before it could run on into one (`needs_before`: only then is it read)."""

    hit: Hit | None
    words: list[str]
    needs_before: bool


def screen_words(ctx: Context, text: str) -> ReplyScreen:
    """The first half of screening a reply, which needs nothing stored: a reply recorded
    from its message has the message before it read with it when `needs_before`."""
    screener = screen_for(ctx.settings.locale)
    hit, words = screener.alone(text)
    return ReplyScreen(hit, words, hit is None and screener.may_run_on(words))


async def screen_reply(
    ctx: Context,
    post: Post,
    author: Member,
    text: str,
    *,
    reply_id: int,
    message_ref: str | None = None,
) -> list[Intent]:
    """Screen a reply in a thread, and its run-on from the author's message just before
    it, if it is theirs (their previous reply, or, for the poster's first, the post
    itself). That message is read only when it could complete a phrase."""
    screened = screen_words(ctx, text)
    previous = None
    if screened.needs_before:
        previous = await ctx.repo.care.previous_reply(ctx.community_id, post.id, reply_id)
    return await answer_reply(ctx, post, author, screened, previous, message_ref=message_ref)


async def answer_reply(
    ctx: Context,
    post: Post,
    author: Member,
    screened: ReplyScreen,
    previous: tuple[str, str] | None,
    *,
    message_ref: str | None = None,
) -> list[Intent]:
    """`screen_reply` with the words screened and the message before the reply read
    (`previous`: its author and words; None for the thread's first reply)."""
    hit = screened.hit
    if screened.needs_before:
        before = _before(post, author, previous)
        if before:
            hit = screen_for(ctx.settings.locale).run_on(screened.words, before)
    return await _answer(ctx, post, author, hit, message_ref)


def _before(post: Post, author: Member, previous: tuple[str, str] | None) -> str | None:
    """The author's message just before a reply, if the one before it (`previous`, or the
    post itself for the thread's first) is theirs."""
    if previous is not None:
        return previous[1] if previous[0] == author.user_id else None
    return post.body if author.user_id == post.poster_id else None


async def _answer(
    ctx: Context, post: Post, author: Member, hit: Hit | None, message_ref: str | None
) -> list[Intent]:
    """A hit's private answer and alert (once per author until a moderator resumes)."""
    if hit is None:
        return []
    care = ctx.repo.care
    if await care.alerted_since_resume(ctx.community_id, post.id, author.user_id):
        log.info("care: screen hit on post %s, alerted already", post.id)
        return []
    event_id = await care.add_event(
        ctx.community_id, post.id, CareKind.ALERT, author.user_id, now=ctx.now
    )
    await care.pause(ctx.community_id, post.id, event_id, ctx.now)
    log.info("care: screen hit on post %s (phrase %s), alert %s", post.id, hit.index, event_id)
    intents: list[Intent] = [_to_author(ctx, author)]
    alert = _alert(ctx, post, message_ref or post.thread_ref)
    if alert is not None:
        intents.append(alert)
    return intents


def resources(ctx: Context) -> str:
    lexicons = community_lexicons()
    lexicon = lexicons.get(ctx.settings.locale) or lexicons[DEFAULT_LOCALE]
    return "\n".join(f"• {line}" for line in lexicon.resources_for(ctx.settings.country))


def _to_author(ctx: Context, author: Member) -> Send:
    """Sent whatever the member's direct-message choice: this is not a reminder."""
    message = ctx.message("care.to_author", resources=resources(ctx))
    return Send(target=DirectTo(user_id=author.user_id), message=message)


def _alert(ctx: Context, post: Post, ref: str | None) -> Send | None:
    channel = ctx.settings.moderators_channel
    if not channel:
        log.warning("care: no moderators' channel set; alert on post %s only recorded", post.id)
        return None
    resume = Button(
        label=ctx.say("button.care_resume"),
        action_id=action_id(Verb.CARE_RESUME, post.id),
        style="primary",
    )
    message = ctx.message("care.alert", post=str(post.id))
    label = ctx.say("care.alert_link")
    # A new post's thread is still on its way: the link names the post until it is sent.
    link = (
        Link(label=label, message_ref=ref)
        if ref
        else Link(label=label, message_ref="", post_id=post.id)
    )
    return Send(
        target=Channel(channel_id=channel),
        message=replace(message, buttons=(resume,), links=(link,)),
    )


async def resume(ctx: Context, actor: Member, setback_id: int | None) -> list[Intent]:
    """A moderator's button on the alert: the post's asks and reminders are back on."""
    if not actor.is_moderator:
        raise RuleViolation("care.moderators_only")
    post = await ctx.repo.post(ctx.community_id, setback_id) if setback_id else None
    if post is None:
        raise RuleViolation("error.unknown_action")
    if not await ctx.repo.care.resume(ctx.community_id, post.id):
        return [ctx.notice(actor, "care.already_resumed", post=str(post.id))]
    await ctx.repo.care.add_event(
        ctx.community_id, post.id, CareKind.RESUME, actor.user_id, now=ctx.now
    )
    log.info("care: post %s resumed", post.id)
    return [ctx.notice(actor, "care.resumed", post=str(post.id))]
