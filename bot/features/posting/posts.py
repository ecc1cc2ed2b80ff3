"""Sharing a setback: the form, a post made through it, and adopting a plain message."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

from bot.common.bounded import Bounded
from bot.common.context import Context
from bot.common.forms import choices, field, form
from bot.contract.actions import FormKind
from bot.contract.events import FormSubmitted, InboundEvent, MessageEdited, MessagePosted
from bot.contract.intents import (
    Form,
    Intent,
    OpenForm,
    Send,
    StartThread,
    Thread,
    TrackAs,
    Tracking,
)
from bot.domain.member_text import shown_within
from bot.domain.model import (
    Member,
    Post,
    PostDraft,
    PostSource,
    SetbackKind,
    Stage,
)
from bot.domain.rules import (
    BODY_MAX,
    TAGS_INPUT_MAX,
    THREAD_PENDING_WAIT,
    TITLE_MAX,
    parse_setback_form,
    pseudonym_for,
)
from bot.features.care import crisis
from bot.features.lifecycle import schedule as followups
from bot.features.lifecycle.status_card import PostView, refresh, status_message, thread_tags
from bot.features.posting import early
from bot.store.setback_repo import first_taken
from bot.words.content import Content
from bot.words.excerpt import excerpt

# The form depends only on these, so each is built once (a handful: locales, waits).
_SETBACK_FORMS: Bounded[tuple[Content, str, int], Form] = Bounded(64)


def setback_form(ctx: Context) -> Form:
    """The setback form in the community's words, with its outcome wait."""
    key = (ctx.content, ctx.settings.locale, ctx.settings.outcome_after_days)
    found = _SETBACK_FORMS.get(key)
    if found is None:
        found = _built_setback_form(ctx)
        _SETBACK_FORMS.put(key, found)
    return found


def _built_setback_form(ctx: Context) -> Form:
    days = ctx.settings.outcome_after_days
    fields = (
        field(ctx, "title", "text", required=True, max_length=TITLE_MAX, hinted=True),
        field(ctx, "body", "long_text", required=True, max_length=BODY_MAX, hinted=True),
        field(ctx, "stage", "choice", choices=choices(ctx, "stage", Stage)),
        field(ctx, "kind", "choice", choices=choices(ctx, "kind", SetbackKind)),
        field(ctx, "tags", "text", max_length=TAGS_INPUT_MAX, hinted=True),
        field(ctx, "anonymous", "checkbox", hinted=True),
        field(ctx, "ask_outcome_on", "date", hinted=True, days=days),
    )
    return form(ctx, FormKind.SETBACK, fields)


def open_setback_form(ctx: Context, actor: Member) -> list[Intent]:
    return [OpenForm(user_id=actor.user_id, form=setback_form(ctx))]


async def _create(
    ctx: Context,
    event: InboundEvent,
    draft: PostDraft,
    source: PostSource,
    thread_ref: str | None,
) -> Post:
    actor = event.actor
    return await ctx.repo.add_post(
        community_id=ctx.community_id,
        poster_id=actor.user_id,
        poster_name=actor.display_name,
        draft=draft,
        pseudonym=pseudonym_for(
            f"{ctx.community_id}:{event.event_id}",
            ctx.content.words("pseudonym_adjectives"),
            ctx.content.words("pseudonym_animals"),
        ),
        source=source,
        channel_id=ctx.settings.support_channel,
        now=ctx.now,
        thread_ref=thread_ref,
        follow_ups=followups.on_posted(ctx, draft.ask_outcome_at),
    )


async def submit_setback(ctx: Context, event: FormSubmitted) -> list[Intent]:
    """A setback form came back: validate it, save the post, and start its thread."""
    draft = parse_setback_form(event.values, ctx.now, ctx.settings.outcome_after_days)
    post = await _create(ctx, event, draft, PostSource.FORM, None)
    view = PostView(post, replies=[], has_outcome=False)
    ask_date = ctx.day(post.outcome_ask_at)
    if post.anonymous:
        ack = ctx.notice(
            event.actor,
            "setback.posted_ack_anonymous",
            title=post.title,
            pseudonym=post.pseudonym,
            ask_date=ask_date,
        )
    else:
        ack = ctx.notice(event.actor, "setback.posted_ack", title=post.title, ask_date=ask_date)
    start = StartThread(
        channel_id=post.channel_id,
        title=shown_within(post.title, THREAD_TITLE_MAX),
        message=status_message(ctx, view),
        tags=thread_tags(ctx, view),
        track=Tracking(kind=TrackAs.SETBACK_THREAD, record_id=post.id),
    )
    care = await crisis.screen(ctx, post, event.actor, f"{post.title}\n{post.body}")
    return [start, ack, *care]


ADOPTED_TITLE_MAX = 80
# Thread names are at most 100 characters (Discord): cut before the title is made safe,
# so a platform's own cut never leaves a direction control open.
THREAD_TITLE_MAX = 100
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")


def _title_from(text: str) -> str:
    """A title for an adopted message: its first sentence, kept short."""
    first_line = next((line for line in text.splitlines() if line.strip()), text)
    first_sentence = _SENTENCE_END.split(first_line.strip(), maxsplit=1)[0]
    return excerpt(first_sentence.rstrip("."), ADOPTED_TITLE_MAX)


async def adopt_message(ctx: Context, event: MessagePosted) -> list[Intent]:
    """A plain top-level message in the support channel becomes a post, in its own thread."""
    thread_ref = event.thread_ref or event.message_ref
    if await ctx.repo.post_by_thread(ctx.community_id, thread_ref) is not None:
        return []  # the same message delivered under another event id: adopted already
    if await ctx.repo.early.is_buried(ctx.community_id, event.message_ref, ctx.now):
        return []  # deleted before it arrived: nothing to adopt
    draft = PostDraft(
        title=_title_from(event.text),
        body=event.text[:BODY_MAX],
        stage=None,
        kind=None,
        tags=(),
        anonymous=False,
        ask_outcome_at=ctx.now + timedelta(days=ctx.settings.outcome_after_days),
    )
    post = await _create(ctx, event, draft, PostSource.ADOPTED, thread_ref)
    # A reply decided before its message (each is decided after its own ack) was parked.
    await early.replay(ctx, post)
    view = PostView(post, replies=[], has_outcome=False)
    care = await crisis.screen(ctx, post, event.actor, event.text, message_ref=thread_ref)
    return [
        Send(
            target=Thread(thread_ref=thread_ref),
            message=status_message(ctx, view),
            track=Tracking(kind=TrackAs.STATUS_MESSAGE, record_id=post.id),
        ),
        *care,
    ]


async def on_thread_started(ctx: Context, setback_id: int, thread_ref: str, root_ref: str) -> None:
    """The post's thread exists; its root message is the post's status message too.
    Follow-ups put off while the thread was pending are due now; replies that reached the
    thread before this moment were parked: handled now."""
    post = await ctx.repo.record_thread(ctx.community_id, setback_id, thread_ref, root_ref)
    if post is None:
        return
    # Only the scheduler puts a follow-up off, while firing it, and it takes the post
    # first (bot/engine/scheduler.py): a post taken here for the first time has none.
    if not first_taken(post):
        await ctx.repo.wake_for_thread(ctx.community_id, setback_id, ctx.now, THREAD_PENDING_WAIT)
    await early.replay(ctx, post, locked=True)


async def edit_post(ctx: Context, post: Post, event: MessageEdited) -> list[Intent]:
    """The poster edited the message that is her (adopted) post: its title and story follow,
    and so does everything the bot shows or says about it from now on."""
    if event.actor.user_id != post.poster_id or post.is_withdrawn:
        return []
    if post.source is not PostSource.ADOPTED or not event.text.strip():
        return []
    title, body = _title_from(event.text), event.text[:BODY_MAX]
    await ctx.repo.update_post(ctx.community_id, post.id, title=title, body=body)
    return await refresh(ctx, replace(post, title=title, body=body))


async def on_status_message_sent(ctx: Context, setback_id: int, ref: str) -> None:
    await ctx.repo.update_post(ctx.community_id, setback_id, status_message_ref=ref)
