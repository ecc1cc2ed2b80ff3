"""DiscordOutbox: carries the core's durable intents out through discord.py.

Every message goes out with `AllowedMentions.none()`. Platform refusals and outages
(`discord.HTTPException`, which discord.py raises after its own 429 handling and 5xx
retries) become `DeliveryFailed`, so the core's outbox tries again later.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from functools import partial
from typing import TypeVar

import discord

from adapters.discord.refs import message_ref, parse_message_ref
from adapters.discord.render import NO_PINGS, full_text, parts, split_text, view_of
from adapters.discord.tags import pick, with_kept
from bot.intents import (
    Channel,
    CloseThread,
    DirectTo,
    EditMessage,
    Intent,
    Message,
    Notice,
    OpenForm,
    RejectForm,
    Send,
    SetThreadTags,
    StartThread,
    Target,
    Thread,
)
from bot.ports import Attempt, Capabilities, DeliveryFailed

THREAD_ARCHIVED = 50083  # Discord's error code for acting in an archived thread
THREAD_NAME_MAX = 100

_T = TypeVar("_T")

CAPABILITIES = Capabilities(
    threads=True,
    forms=True,
    buttons=True,
    reactions=True,
    ephemeral=True,
    direct_messages=True,
    tags=True,
)


class DiscordOutbox:
    """The `Outbox` of the Discord community: one guild, one support forum."""

    capabilities = CAPABILITIES

    def __init__(
        self,
        client: discord.Client,
        guild_id: int,
        forum_tags: Sequence[discord.ForumTag] = (),
        state_tags: Collection[str] = (),
    ) -> None:
        self.client = client
        self.guild_id = guild_id
        self.forum_tags = list(forum_tags)
        # Answered, Update shared, Closed: the tags Rebound may take off a post again.
        self.state_tags = frozenset(state_tags)

    async def deliver(self, intent: Intent, attempt: Attempt | None = None) -> str | None:
        try:
            return await self._deliver(intent)
        except discord.HTTPException as failure:
            # Status and code only: Discord's error text can quote what was sent.
            raise DeliveryFailed(f"discord {failure.status} ({failure.code})") from None

    async def _deliver(self, intent: Intent) -> str | None:
        match intent:
            case Send(target=target, message=message):
                return await self.send(target, message)
            case StartThread():
                return await self._start_thread(intent)
            case Notice(user_id=user_id, message=message):
                # No interaction to answer (a follow-up firing): only a DM is private.
                return await self.send(DirectTo(user_id=user_id), message)
            case EditMessage(message_ref=ref, message=message):
                await self._edit(ref, message)
            case SetThreadTags(thread_ref=ref, tags=tags):
                await self._set_tags(ref, tags)
            case CloseThread(thread_ref=ref):
                thread = await self._thread(ref)
                await thread.edit(archived=True, locked=True)
            case OpenForm() | RejectForm():
                pass  # forms only exist in answer to an interaction (InteractionOutbox)
        return None

    async def send(self, target: Target, message: Message) -> str:
        """Post `message` (in pieces if long); returns the ref of its first piece."""
        channel_id = await self._channel_of(target)
        channel = self.client.get_partial_messageable(channel_id)
        refs: list[str] = []
        for text, view in parts(message, self.guild_id):
            post = partial(
                channel.send, text, view=view or discord.utils.MISSING, allowed_mentions=NO_PINGS
            )
            sent = await self._unarchived(channel_id, post)
            refs.append(message_ref(channel_id, sent.id))
        return refs[0]

    async def _channel_of(self, target: Target) -> int:
        match target:
            case Channel(channel_id=channel_id):
                return int(channel_id)
            case Thread(thread_ref=ref):
                return int(ref)
            case DirectTo(user_id=user_id):
                dm = await self.client.create_dm(discord.Object(int(user_id)))
                return dm.id

    async def _start_thread(self, intent: StartThread) -> str:
        forum = self.client.get_channel(int(intent.channel_id))
        if not isinstance(forum, discord.ForumChannel):
            raise DeliveryFailed("the support channel is not a forum the bot can see")
        (first_text, first_view), *rest = parts(intent.message, self.guild_id)
        created = await forum.create_thread(
            name=intent.title[:THREAD_NAME_MAX],
            content=first_text,
            view=first_view or discord.utils.MISSING,
            applied_tags=pick(self.forum_tags, intent.tags),
            allowed_mentions=NO_PINGS,
        )
        for text, view in rest:
            await created.thread.send(
                text, view=view or discord.utils.MISSING, allowed_mentions=NO_PINGS
            )
        return str(created.thread.id)

    async def _edit(self, ref: str, message: Message) -> None:
        at = parse_message_ref(ref)
        # An edit keeps to one message: a status message longer than 2,000 characters is cut.
        text = split_text(full_text(message))[0]
        partial = self.client.get_partial_messageable(at.channel_id).get_partial_message(
            at.message_id
        )
        view = view_of(message, self.guild_id)
        await self._unarchived(
            at.channel_id,
            lambda: partial.edit(content=text, view=view, allowed_mentions=NO_PINGS),
        )

    async def _set_tags(self, ref: str, names: Sequence[str]) -> None:
        thread = await self._thread(ref)
        tags = with_kept(pick(self.forum_tags, names), thread.applied_tags, self.state_tags)
        await self._unarchived(thread.id, lambda: thread.edit(applied_tags=tags))

    async def _thread(self, ref: str) -> discord.Thread:
        channel = self.client.get_channel(int(ref))
        if channel is None:
            channel = await self.client.fetch_channel(int(ref))
        if not isinstance(channel, discord.Thread):
            raise DeliveryFailed("that ref is not a thread")
        return channel

    async def _unarchived(self, channel_id: int, action: Callable[[], Awaitable[_T]]) -> _T:
        """Run `action`; in an archived thread, reopen it for the action and close it again
        (a poster's update after the post closed is still posted)."""
        try:
            return await action()
        except discord.HTTPException as failure:
            if failure.code != THREAD_ARCHIVED:
                raise
        # Fetched, not cached: the cache may not know the thread was closed.
        thread = await self.client.fetch_channel(channel_id)
        if not isinstance(thread, discord.Thread):
            raise DeliveryFailed("an archived channel that is not a thread")
        await thread.edit(archived=False)
        try:
            return await action()
        finally:
            await thread.edit(archived=True, locked=thread.locked)
