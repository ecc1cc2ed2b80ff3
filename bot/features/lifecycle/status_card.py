"""How a post presents itself: its status message (root or first bot reply) and its tags."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from bot.common.context import Context
from bot.common.hidden import without_hidden
from bot.contract.actions import Verb, action_id
from bot.contract.intents import Button, EditMessage, Intent, Link, Message, Revision, SetThreadTags
from bot.domain.member_text import shown
from bot.domain.model import Post, PostSource, Reply
from bot.words.excerpt import excerpt


def shown_author(ctx: Context, post: Post) -> str:
    """Who a message posted for the poster is shown as: their name, or the pseudonym
    marked as the anonymous poster."""
    if post.anonymous:
        return ctx.say("anonymous.label", pseudonym=post.pseudonym)
    return shown(post.poster_name)


def poster_name(post: Post) -> str:
    """How sentences name the poster: their name, or the post's bare pseudonym."""
    return post.pseudonym if post.anonymous else post.poster_name


def safe_title(post: Post) -> str:
    """The title as it may appear outside bot copy (thread names, link labels)."""
    return shown(post.title)


def details_line(ctx: Context, post: Post) -> str:
    parts = [ctx.say(f"stage.{post.stage}")] if post.stage else []
    if post.kind:
        parts.append(ctx.say(f"kind.{post.kind}"))
    parts.extend(f"#{tag}" for tag in post.tags)
    return "".join(f" {ctx.say('setback.detail', detail=part)}" for part in parts)


def best_links(ctx: Context, replies: list[Reply]) -> tuple[Link, ...]:
    return tuple(
        Link(
            label=ctx.say("link.reply", author=reply.author_name, excerpt=excerpt(reply.text)),
            message_ref=reply.message_ref,
        )
        for reply in replies
        if reply.is_best and reply.message_ref and not reply.deleted
    )


@dataclass(frozen=True)
class PostView:
    """A post with what its summary needs: its replies and whether an update was shared.
    For the status card alone (`refresh`) its replies are only the best answers that show:
    all the card and the tags look at."""

    post: Post
    replies: list[Reply]
    has_outcome: bool


async def load_views(ctx: Context, setbacks: Iterable[Post]) -> dict[int, PostView]:
    """Views of several posts in two queries, by post id."""
    by_id = {post.id: post for post in setbacks}
    replies = await ctx.repo.replies_of(ctx.community_id, by_id)
    replies = await without_hidden(ctx, replies)
    updated = await ctx.repo.with_outcome(ctx.community_id, by_id)
    return {
        post_id: PostView(post, replies.get(post_id, []), post_id in updated)
        for post_id, post in by_id.items()
    }


async def load_view(ctx: Context, post: Post) -> PostView:
    return (await load_views(ctx, [post]))[post.id]


def status_message(ctx: Context, view: PostView) -> Message:
    """The post's living summary: status line, best answers, and its buttons."""
    post = view.post
    if post.is_withdrawn:
        return ctx.message("setback.withdrawn")
    links = best_links(ctx, view.replies)
    has_outcome = view.has_outcome
    if post.is_closed:
        status = ctx.say("setback.status.closed")
    elif has_outcome:
        status = ctx.say("setback.status.update_shared")
    else:
        status = ctx.say("setback.status.open")
    if links:
        status = f"{status}\n{ctx.say('setback.best_header')}"
    if post.source is PostSource.FORM:
        shown_as = ctx.message(
            "setback.root",
            title=post.title,
            author=poster_name(post),
            details=details_line(ctx, post),
            body=post.body,
            status=status,
        )
    else:
        shown_as = ctx.message("setback.adopted", author=post.poster_name, status=status)
    buttons: tuple[Button, ...] = ()
    if post.anonymous and not post.is_closed:
        buttons = (
            Button(
                label=ctx.say("button.reply_anonymously"),
                action_id=action_id(Verb.RELAY, post.id),
            ),
        )
    return replace(shown_as, buttons=buttons, links=links, author=_root_author(ctx, post))


def _root_author(ctx: Context, post: Post) -> str | None:
    """A post shared by form is shown as the member's (or the pseudonym's); an adopted post's
    status message is the bot answering in the member's own thread."""
    if post.anonymous or post.source is PostSource.FORM:
        return shown_author(ctx, post)
    return None


def thread_tags(ctx: Context, view: PostView) -> tuple[str, ...]:
    """Forum-style tags: stage and kind, then Answered / Update shared / Closed."""
    post = view.post
    tags = [ctx.say(f"stage.{post.stage}")] if post.stage else []
    if post.kind:
        tags.append(ctx.say(f"kind.{post.kind}"))
    if any(reply.is_best for reply in view.replies):
        tags.append(ctx.say("tag.answered"))
    if view.has_outcome:
        tags.append(ctx.say("tag.update_shared"))
    if post.is_closed:
        tags.append(ctx.say("tag.closed"))
    return tuple(tags)


async def refresh(ctx: Context, post: Post) -> list[Intent]:
    """Bring the post's status message and tags up to date after a change."""
    shown = await ctx.repo.library.status_rows(ctx.community_id, post.id)
    return refresh_view(ctx, PostView(post, shown.best, shown.has_outcome))


def refresh_view(ctx: Context, view: PostView) -> list[Intent]:
    """`refresh` for a view already loaded (with its post taken, so at the post's version)."""
    post = view.post
    revision = Revision(setback_id=post.id, version=post.version)
    intents: list[Intent] = []
    if post.status_message_ref:
        message = status_message(ctx, view)
        intents.append(
            EditMessage(message_ref=post.status_message_ref, message=message, revision=revision)
        )
    if post.thread_ref:
        tags = thread_tags(ctx, view)
        intents.append(SetThreadTags(thread_ref=post.thread_ref, tags=tags, revision=revision))
    return intents
