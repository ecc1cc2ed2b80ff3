"""DiscordOutbox: carries the core's durable intents out through discord.py.

Every message goes out with `AllowedMentions.none()`. Platform refusals and outages
(`discord.HTTPException`, which discord.py raises after its own 429 handling and 5xx
retries) become `DeliveryFailed`, classified (adapters/discord/failures.py), so the core's
outbox tries again later or gives up. Messages of an outbox row carry a nonce naming it;
a long message goes out piece by piece, each recorded as Discord confirms it, and a try
that was cut short is looked for before anything is made again (adapters/discord/resume.py).
Edits, tag changes and closing are idempotent: doing one twice leaves the same state.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from typing import TypeVar

import aiohttp
import discord

from adapters.discord.failures import classify
from adapters.discord.refs import message_ref, parse_message_ref
from adapters.discord.render import NO_PINGS, full_text, parts, split_text, view_of
from adapters.discord.resume import find_message, find_thread, nonce, nonce_still_holds
from adapters.discord.tags import pick, with_kept
from bot.api import (
    Attempt,
    Capabilities,
    Channel,
    CloseThread,
    Delivered,
    DeliveryFailed,
    DirectTo,
    EditMessage,
    FailureKind,
    Intent,
    Message,
    Notice,
    OpenForm,
    RejectForm,
    RenameThread,
    Send,
    SendFile,
    SetThreadTags,
    StartThread,
    Target,
    Thread,
    Unsupported,
)

THREAD_ARCHIVED = 50083  # Discord's error code for acting in an archived thread
THREAD_NAME_MAX = 100

_T = TypeVar("_T")
Piece = tuple[str, discord.ui.View | None]
PLATFORM_FAILURES = (discord.HTTPException, aiohttp.ClientError, asyncio.TimeoutError)

# With a member here (an interaction to answer): forms and messages only they see.
WITH_A_MEMBER = Capabilities(
    named_threads=True,
    threads=True,
    forms=True,
    buttons=True,
    reactions=True,
    ephemeral=True,
    direct_messages=True,
    tags=True,
)
# In the background (a follow-up firing, a gateway event): nothing to answer, so no form
# and no ephemeral message; the core degrades those (a private notice becomes a DM).
IN_THE_BACKGROUND = replace(WITH_A_MEMBER, forms=False, ephemeral=False)

FILE_NOTE_MAX = 2000  # a message's characters on Discord


class DiscordOutbox:
    """The `Outbox` of the Discord community: one guild, one support forum."""

    capabilities = IN_THE_BACKGROUND

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

    async def deliver(self, intent: Intent, attempt: Attempt | None = None) -> Delivered | None:
        try:
            return await self._deliver(intent, attempt)
        except PLATFORM_FAILURES as failure:
            raise classify(failure) from None

    async def _deliver(self, intent: Intent, attempt: Attempt | None) -> Delivered | None:
        match intent:
            case Send(target=target, message=message):
                return Delivered(await self.send(target, message, attempt))
            case StartThread():
                # A forum post's thread and its starter message share one id.
                thread_id = await self._start_thread(intent, attempt)
                return Delivered(thread_id, thread_ref=thread_id)
            case EditMessage(message_ref=ref, message=message):
                await self._edit(ref, message)
            case SetThreadTags(thread_ref=ref, tags=tags):
                await self._set_tags(ref, tags)
            case RenameThread(thread_ref=ref, title=title):
                thread = await self._thread(ref)
                name = title[:THREAD_NAME_MAX]
                await self._unarchived(thread.id, lambda: thread.edit(name=name))
            case CloseThread(thread_ref=ref, reopen=reopen):
                thread = await self._thread(ref)
                await thread.edit(archived=not reopen, locked=not reopen)
            case SendFile(user_id=user_id, filename=filename, content=content, message=message):
                return Delivered(await self._send_file(user_id, filename, content, message))
            case OpenForm() | RejectForm() | Notice():
                # Only an interaction can show these (InteractionOutbox); in the background
                # the core has already degraded them (see IN_THE_BACKGROUND).
                raise Unsupported(intent)
        return None

    async def _send_file(
        self, user_id: str, filename: str, content: bytes, message: Message
    ) -> str:
        """A file in the member's DM, as an attachment (an export: never stored, never retried)."""
        dm = await self.client.create_dm(discord.Object(int(user_id)))
        sent = await dm.send(
            content=message.text[:FILE_NOTE_MAX],
            file=discord.File(io.BytesIO(content), filename=filename),
            allowed_mentions=NO_PINGS,
        )
        return str(sent.id)

    async def send(self, target: Target, message: Message, attempt: Attempt | None = None) -> str:
        """Post `message` (in pieces if long); returns the ref of its first piece."""
        channel_id = await self._channel_of(target)
        refs = await self._send_pieces(channel_id, parts(message, self.guild_id), attempt)
        return refs[0]

    async def _send_pieces(
        self,
        channel_id: int,
        pieces: Sequence[Piece],
        attempt: Attempt | None,
        first: int = 0,
    ) -> list[str]:
        """Send the pieces numbered from `first` that are not yet recorded, in order."""
        channel = self.client.get_partial_messageable(channel_id)
        refs: list[str] = []
        looking = self._look_back(attempt) is not None
        for number, (text, view) in enumerate(pieces, start=first):
            ref = attempt.pieces.get(number) if attempt is not None else None
            if ref is None:
                found = None
                since = self._look_back(attempt) if looking else None
                if since is not None:
                    found = await find_message(channel, self._bot_id, text, since)
                    # Pieces go out in order: none after the first one missing was sent.
                    looking = found is not None
                tag = nonce(attempt.key, number) if attempt is not None else None
                post = partial(
                    channel.send,
                    text,
                    view=view or discord.utils.MISSING,
                    allowed_mentions=NO_PINGS,
                    nonce=tag,
                )
                sent = found if found is not None else await self._unarchived(channel_id, post)
                ref = message_ref(channel_id, sent.id)
                if attempt is not None and number < first + len(pieces) - 1:
                    await attempt.record_piece(number, ref)  # the last is recorded with the row
            refs.append(ref)
        return refs

    def _look_back(self, attempt: Attempt | None) -> datetime | None:
        """When to read back from before sending: only after a try that was cut short, and
        only once Discord's nonce no longer stops a second message by itself."""
        if attempt is None or attempt.maybe_sent_since is None:
            return None
        now = attempt.started_at or datetime.now(UTC)
        if nonce_still_holds(attempt.maybe_sent_since, now):
            return None
        return attempt.maybe_sent_since

    @property
    def _bot_id(self) -> int:
        return self.client.user.id if self.client.user is not None else 0

    async def _channel_of(self, target: Target) -> int:
        match target:
            case Channel(channel_id=channel_id):
                return int(channel_id)
            case Thread(thread_ref=ref):
                return int(ref)
            case DirectTo(user_id=user_id):
                dm = await self.client.create_dm(discord.Object(int(user_id)))
                return dm.id

    async def _start_thread(self, intent: StartThread, attempt: Attempt | None) -> str:
        """A forum post: the thread with its first piece, then the rest in it. A thread
        already recorded (or found, after a try cut short) is never made again."""
        forum = self.client.get_channel(int(intent.channel_id))
        if not isinstance(forum, discord.ForumChannel):
            raise DeliveryFailed("forum_not_found", FailureKind.PERMANENT)
        (first_text, first_view), *rest = parts(intent.message, self.guild_id)
        name = intent.title[:THREAD_NAME_MAX]
        thread_ref = attempt.pieces.get(0) if attempt is not None else None
        if thread_ref is None:
            found = None
            if attempt is not None and attempt.maybe_sent_since is not None:
                found = await find_thread(
                    forum, self._bot_id, name, first_text, attempt.maybe_sent_since
                )
            if found is None:
                created = await forum.create_thread(
                    name=name,
                    content=first_text,
                    view=first_view or discord.utils.MISSING,
                    applied_tags=pick(self.forum_tags, intent.tags),
                    allowed_mentions=NO_PINGS,
                )
                found = created.thread
            thread_ref = str(found.id)
            if attempt is not None and rest:
                await attempt.record_piece(0, thread_ref)
        await self._send_pieces(int(thread_ref), rest, attempt, first=1)
        return thread_ref

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
        """Sets the tags outright (idempotent): twice leaves the same tags."""
        thread = await self._thread(ref)
        tags = with_kept(pick(self.forum_tags, names), thread.applied_tags, self.state_tags)
        await self._unarchived(thread.id, lambda: thread.edit(applied_tags=tags))

    async def _thread(self, ref: str) -> discord.Thread:
        channel = self.client.get_channel(int(ref))
        if channel is None:
            channel = await self.client.fetch_channel(int(ref))
        if not isinstance(channel, discord.Thread):
            raise DeliveryFailed("not_a_thread", FailureKind.PERMANENT)
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
            raise DeliveryFailed("archived_not_a_thread", FailureKind.PERMANENT)
        await thread.edit(archived=False)
        try:
            return await action()
        finally:
            await thread.edit(archived=True, locked=thread.locked)
