"""Replies in a post's thread, the anonymous poster's relayed replies, and appreciation."""

from __future__ import annotations

from dataclasses import replace

from bot.common.context import Context
from bot.common.forms import field, form
from bot.contract.actions import FormKind, Verb, action_id
from bot.contract.events import (
    DirectMessageReceived,
    FormSubmitted,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
)
from bot.contract.intents import (
    Button,
    Form,
    Intent,
    Message,
    Notice,
    OpenForm,
    Send,
    Thread,
    TrackAs,
    Tracking,
)
from bot.domain.errors import RuleViolation
from bot.domain.member_text import shown
from bot.domain.model import Member, Post
from bot.domain.rules import REPLY_MAX, require_text
from bot.features.care import crisis
from bot.features.lifecycle import schedule as followups
from bot.features.lifecycle.status_card import refresh, shown_author
from bot.words.excerpt import excerpt


async def record_reply(ctx: Context, post: Post, event: MessagePosted) -> list[Intent]:
    """A message in a post's thread; refused (privately) once the thread has closed."""
    # Moderators may still post in a closed (locked) thread, as the platforms allow.
    if post.is_closed and not event.actor.is_moderator:
        return [ctx.notice(event.actor, "error.thread_closed", title=post.title)]
    if post.is_withdrawn or not event.text.strip():
        return []
    # Whatever the reply's recording needs is known before it, so it is one statement.
    screened = crisis.screen_words(ctx, event.text)
    recorded = await ctx.repo.add_message_reply(
        post,
        author_id=event.actor.user_id,
        author_name=event.actor.display_name,
        text=event.text,
        message_ref=event.message_ref,
        now=ctx.now,
        activity=followups.after_reply(ctx, by_poster=event.actor.user_id == post.poster_id),
        previous=screened.needs_before,
    )
    # None: the same message, under another event id; deleted: before it got here.
    if recorded is None or recorded.deleted:
        return []
    return await crisis.answer_reply(
        ctx, post, event.actor, screened, recorded.previous, message_ref=event.message_ref
    )


async def edit_reply(ctx: Context, event: MessageEdited) -> list[Intent]:
    found = await ctx.repo.reply_with_post(ctx.community_id, event.message_ref)
    if found is None or found[1].deleted or found[1].author_id != event.actor.user_id:
        return []
    post, reply = found
    await ctx.repo.update_reply(ctx.community_id, reply.id, text=event.text, edited_at=ctx.now)
    return await refresh(ctx, post) if reply.is_best else []


async def delete_reply(ctx: Context, event: MessageDeleted) -> list[Intent]:
    """The reply's words leave the store (its row stays, so a redelivery finds it); a
    deletion of a message not recorded yet is remembered for when it arrives."""
    found = await ctx.repo.reply_with_post(ctx.community_id, event.message_ref)
    if found is None:
        await ctx.repo.early.bury(ctx.community_id, event.message_ref, ctx.now)
        return []
    post, reply = found
    if reply.deleted:
        return []
    await ctx.repo.update_reply(
        ctx.community_id,
        reply.id,
        deleted=True,
        text="",
        best_marked_at=None,
        best_marked_by=None,
    )
    return await refresh(ctx, post) if reply.is_best else []


def relay_form(ctx: Context, post: Post) -> Form:
    text = field(ctx, "text", "long_text", required=True, max_length=REPLY_MAX)
    return form(ctx, FormKind.RELAY, [text], post.id)


async def post_of_poster(ctx: Context, actor: Member, setback_id: int | None) -> Post:
    """The post `setback_id`, provided `actor` is its poster."""
    post = await ctx.repo.post(ctx.community_id, setback_id) if setback_id else None
    if post is None:
        raise RuleViolation("error.unknown_action")
    if post.poster_id != actor.user_id:
        raise RuleViolation("error.not_poster")
    if post.is_withdrawn:
        raise RuleViolation("error.post_withdrawn")
    return post


async def open_relay_form(ctx: Context, actor: Member, setback_id: int | None) -> list[Intent]:
    post = await post_of_poster(ctx, actor, setback_id)
    if post.is_closed:
        raise RuleViolation("error.thread_closed", title=post.title)
    return [OpenForm(user_id=actor.user_id, form=relay_form(ctx, post))]


async def relay(ctx: Context, actor: Member, post: Post, raw_text: str) -> list[Intent]:
    """Post the anonymous poster's words in their thread under the post's pseudonym."""
    taken = await ctx.repo.post(ctx.community_id, post.id)  # taken: it may just have closed
    if taken is None or taken.is_closed:
        raise RuleViolation("error.thread_closed", title=post.title)
    text = require_text(raw_text, "text", REPLY_MAX)
    assert taken.thread_ref is not None
    reply_id = await ctx.repo.add_reply(
        taken,
        author_id=actor.user_id,
        author_name=taken.pseudonym,
        text=text,
        message_ref=None,
        now=ctx.now,
        relayed=True,
    )
    assert reply_id is not None  # a relay has no platform message yet, so it never collides
    await followups.on_relayed_reply(ctx, taken)
    message = relayed_message(ctx, taken, reply_id, text)
    return [
        Send(
            target=Thread(thread_ref=taken.thread_ref),
            message=message,
            track=Tracking(kind=TrackAs.RELAYED_REPLY, record_id=reply_id),
        ),
        ctx.notice(actor, "relay.done", title=taken.title),
        *await crisis.screen_reply(ctx, taken, actor, text, reply_id=reply_id),
    ]


def relayed_message(ctx: Context, post: Post, reply_id: int, text: str) -> Message:
    """How an anonymous poster's relayed reply shows in the thread, under the pseudonym."""
    appreciate = Button(
        label=ctx.say("button.appreciate"), action_id=action_id(Verb.APPRECIATE, reply_id)
    )
    return Message(text=shown(text), buttons=(appreciate,), author=shown_author(ctx, post))


async def relay_direct_message(ctx: Context, event: DirectMessageReceived) -> list[Intent]:
    """A private message from an anonymous poster goes to their open post.

    With several open, Rebound asks which rather than guess: a reply in the wrong thread
    would also tell readers that the two anonymous posts share a poster.
    """
    posts = await ctx.repo.open_anonymous_setbacks(ctx.community_id, event.actor.user_id)
    if not posts:
        return [ctx.notice(event.actor, "relay.no_post")]
    if not event.text.strip():
        return [ctx.notice(event.actor, "error.empty_message")]
    if len(posts) == 1:
        return await relay(ctx, event.actor, posts[0], event.text)
    choices = tuple(
        Button(
            label=ctx.say("button.reply_in", title=excerpt(post.title, 60)),
            action_id=action_id(Verb.RELAY, post.id),
        )
        for post in posts
    )
    which = replace(ctx.message("relay.which", count=len(posts)), buttons=choices)
    return [Notice(user_id=event.actor.user_id, message=which)]


async def submit_relay_form(
    ctx: Context, event: FormSubmitted, setback_id: int | None
) -> list[Intent]:
    post = await post_of_poster(ctx, event.actor, setback_id)
    text = event.values.get("text", "")
    return await relay(ctx, event.actor, post, text if isinstance(text, str) else "")


async def on_relay_sent(ctx: Context, reply_id: int, ref: str) -> None:
    await ctx.repo.update_reply(ctx.community_id, reply_id, message_ref=ref)


async def appreciate(ctx: Context, actor: Member, reply_id: int | None) -> list[Intent]:
    """One appreciation per member per reply, never for one's own."""
    reply = await ctx.repo.reply(ctx.community_id, reply_id) if reply_id else None
    if reply is None or reply.deleted:
        raise RuleViolation("error.unknown_message")
    if reply.author_id == actor.user_id:
        raise RuleViolation("appreciate.own")
    if not await ctx.repo.add_appreciation(reply.id, actor.user_id, ctx.now):
        raise RuleViolation("appreciate.already")
    return [ctx.notice(actor, "appreciate.done", author=reply.author_name)]


async def react(ctx: Context, actor: Member, message_ref: str, emoji: str, added: bool) -> None:
    """The community's appreciation emoji on a reply counts, quietly; other emoji don't."""
    if emoji.strip(":") != ctx.settings.appreciation_emoji:
        return
    reply = await ctx.repo.reply_by_ref(ctx.community_id, message_ref)
    if reply is None or reply.author_id == actor.user_id:
        return
    if added:
        await ctx.repo.add_appreciation(reply.id, actor.user_id, ctx.now)
    else:
        await ctx.repo.remove_appreciation(reply.id, actor.user_id)
