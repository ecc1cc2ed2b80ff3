"""SlackOutbox: the core's intents as Web API calls.

Channel posts and thread replies are `chat.postMessage` (paced per channel; anonymous
posts carry the pseudonym as `username`), notices are `chat.postEphemeral` where the member
acted (a DM when there is no such place), private messages are posted to the member's id
(Slack opens the DM and answers with its channel, kept for later), edits are
`chat.update`, forms are modals (`views.open`, or the answer to the view submission in
progress) and form errors are `response_action: errors`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.blocks import Post, posts, single_post
from adapters.slack.failures import classify
from adapters.slack.form_metadata import FormMetadata
from adapters.slack.modals import modal
from adapters.slack.pacing import Pacer
from adapters.slack.refs import MessageRef, message_ref
from adapters.slack.resume import find_piece, metadata
from adapters.slack.web import API_FAILURES
from bot.api import (
    Attempt,
    Capabilities,
    Channel,
    CloseThread,
    Delivered,
    DeliveryFailed,
    DirectTo,
    EditMessage,
    Form,
    FormTooLate,
    Intent,
    Link,
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

log = logging.getLogger(__name__)

# views.open refuses a trigger older than 3 s, or one used already.
EXPIRED_TRIGGER_ERRORS = frozenset({"expired_trigger_id", "exchanged_trigger_id"})

# Nothing the bot posts may turn names into mentions or links into previews.
NO_PINGS: dict[str, Any] = {"parse": "none", "link_names": False}
NO_PREVIEWS: dict[str, Any] = {"unfurl_links": False, "unfurl_media": False}


@dataclass
class ViewAnswer:
    """What a view submission's acknowledgement will carry, while Slack still waits for it.

    Only the first answer is kept; once `close` has run, later intents use the Web API.
    """

    block_ids: tuple[str, ...] = ()
    response: dict[str, Any] | None = None
    open: bool = True

    def offer(self, response: dict[str, Any]) -> bool:
        if not self.open or self.response is not None:
            return False
        self.response = response
        return True

    def close(self) -> dict[str, Any]:
        self.open = False
        return self.response or {}

    def errors_by_block(self, errors: Mapping[str, str]) -> dict[str, str]:
        """Errors keyed by blocks the modal has; one about no known field goes on the first."""
        placed: dict[str, str] = {}
        for name, problem in errors.items():
            block = name if name in self.block_ids or not self.block_ids else self.block_ids[0]
            placed[block] = f"{placed[block]}\n{problem}" if block in placed else problem
        return placed


@dataclass(frozen=True)
class Where:
    """Where a member acted: where their notices and forms go."""

    user_id: str | None = None
    channel_id: str | None = None
    # The thread they acted in, so a notice about it shows there rather than in the channel.
    thread_ts: str | None = None
    trigger_id: str | None = None
    view_answer: ViewAnswer | None = None


def route_of(where: Where) -> dict[str, str | None]:
    """What of `where` is kept with an event stored before its decision (see `where_of`):
    a trigger or a form's answer cannot outlive the request."""
    return {"user_id": where.user_id, "channel_id": where.channel_id, "thread_ts": where.thread_ts}


def where_of(route: Mapping[str, Any]) -> Where:
    return Where(
        user_id=route.get("user_id"),
        channel_id=route.get("channel_id"),
        thread_ts=route.get("thread_ts"),
    )


# What a workspace's outbox remembers, each emptied when it reaches this size: forgetting
# costs one call at most (a DM is posted to the member's id again, a permalink asked again).
CACHE_KEPT = 10_000


@dataclass
class _Caches:
    dm_channels: dict[str, str] = field(default_factory=dict)  # member id -> their DM's id
    dm_members: dict[str, str] = field(default_factory=dict)  # DM id -> its member's id
    permalinks: dict[str, str] = field(default_factory=dict)
    form_metadata: FormMetadata | None = None

    def remember_dm(self, user_id: str, channel: str) -> None:
        """`user_id`'s DM is `channel`: posts to either are paced as one place."""
        if len(self.dm_channels) >= CACHE_KEPT:
            self.dm_channels.clear()
            self.dm_members.clear()
        self.dm_channels[user_id] = channel
        self.dm_members[channel] = user_id

    def remember_permalink(self, ref: str, url: str) -> None:
        if len(self.permalinks) >= CACHE_KEPT:
            self.permalinks.clear()
        self.permalinks[ref] = url


class SlackOutbox:
    """The `Outbox` of one Slack workspace; `at(where)` is the same outbox for one request."""

    capabilities = Capabilities(
        threads=True,
        forms=True,
        buttons=True,
        reactions=True,
        ephemeral=True,
        direct_messages=True,
        tags=False,
        closes_threads=False,
    )

    def __init__(
        self,
        client: AsyncWebClient,
        pacer: Pacer,
        *,
        where: Where | None = None,
        caches: _Caches | None = None,
        form_metadata: FormMetadata | None = None,
    ) -> None:
        self._client = client
        self._pacer = pacer
        self._where = where or Where()
        self._caches = caches or _Caches(form_metadata=form_metadata)

    def at(self, where: Where) -> SlackOutbox:
        return SlackOutbox(self._client, self._pacer, where=where, caches=self._caches)

    async def deliver(self, intent: Intent, attempt: Attempt | None = None) -> Delivered | None:
        try:
            return await self._deliver(intent, attempt)
        except API_FAILURES as failure:
            raise classify(failure) from failure

    async def _deliver(self, intent: Intent, attempt: Attempt | None) -> Delivered | None:
        match intent:
            case Send(target=target, message=message):
                channel, thread_ts = await self._place(target, attempt)
                return Delivered(await self._post(channel, message, thread_ts, attempt))
            case StartThread(channel_id=channel, message=message):
                # The root message is the thread; its title is already in its text.
                root = await self._post(channel, message, None, attempt)
                return Delivered(root, thread_ref=root)
            case Notice(user_id=user_id, message=message):
                await self._notify(user_id, message)
            case EditMessage(message_ref=ref, message=message):
                # Idempotent: the same edit twice leaves the same message.
                await self._edit(MessageRef.parse(ref), message)
            case OpenForm(form=form):
                await self._open_form(form)
            case RejectForm(errors=errors):
                await self._reject(errors)
            case SendFile(user_id=user_id, filename=filename, content=content, message=message):
                # files.getUploadURLExternal, the upload, files.completeUploadExternal.
                await self._client.files_upload_v2(
                    channel=await self._dm_channel(user_id),
                    content=content,
                    filename=filename,
                    title=filename,
                    initial_comment=message.text,
                )
            case CloseThread() | SetThreadTags() | RenameThread():
                # Slack threads cannot be locked, tagged or named (its capabilities say so): the
                # core posts the closing note and folds tags into the status line instead.
                raise Unsupported(intent)
        return None

    async def _place(self, target: Target, attempt: Attempt | None) -> tuple[str, str | None]:
        match target:
            case Channel(channel_id=channel):
                return channel, None
            case Thread(thread_ref=ref):
                root = MessageRef.parse(ref)
                return root.channel, root.ts
            case DirectTo(user_id=user_id) if attempt and attempt.maybe_sent_since:
                # An earlier try may have posted it: it is looked for in the DM's history.
                return await self._dm_channel(user_id), None
            case DirectTo(user_id=user_id):
                return self._dm_target(user_id), None

    async def _post(
        self, channel: str, message: Message, thread_ts: str | None, attempt: Attempt | None
    ) -> str:
        """Post `message` (in as many messages as Block Kit needs); the first one's ref.

        With an `attempt`, each piece carries the row in its metadata and (but the last,
        recorded with the row) is recorded as Slack confirms it; pieces already recorded are
        not posted again, and after a try
        that was cut short the next piece is looked for before it is posted.
        """
        refs: list[str] = []
        looking = attempt is not None and attempt.maybe_sent_since is not None
        pieces = posts(message, await self._permalinks(message.links))
        for piece, post in enumerate(pieces):
            ref = attempt.pieces.get(piece) if attempt is not None else None
            if ref is None and attempt is not None:
                if looking:
                    ref = await self._find(channel, thread_ts, attempt, piece)
                    # Pieces go out in order: none after the first one missing was sent.
                    looking = ref is not None
                if ref is None:
                    ref = await self._post_one(
                        channel, post, thread_ts, message, attempt=attempt, piece=piece
                    )
                if piece < len(pieces) - 1:  # the last one is recorded with the row
                    await attempt.record_piece(piece, ref)
            elif ref is None:
                ref = await self._post_one(
                    channel, post, thread_ts, message, attempt=None, piece=piece
                )
            refs.append(ref)
            placed = MessageRef.parse(ref)
            if placed.channel != channel:  # posted to a member's id: their DM, now known
                self._caches.remember_dm(channel, placed.channel)
                channel = placed.channel
            # A message too long for one post continues in its thread.
            thread_ts = thread_ts or placed.ts
        return refs[0]

    async def _post_one(
        self,
        channel: str,
        post: Post,
        thread_ts: str | None,
        message: Message,
        *,
        attempt: Attempt | None,
        piece: int,
    ) -> str:
        author: dict[str, Any] = {"username": message.author} if message.author else {}
        marked: dict[str, Any] = (
            {"metadata": metadata(attempt.key, piece)} if attempt is not None else {}
        )
        await self._pacer.turn(self._caches.dm_members.get(channel, channel))
        sent = await self._client.chat_postMessage(
            channel=channel,
            thread_ts=thread_ts,
            text=post.text,
            blocks=post.blocks,
            **author,
            **marked,
            **NO_PINGS,
            **NO_PREVIEWS,
        )
        return message_ref(str(sent["channel"]), str(sent["ts"]))

    async def _find(
        self, channel: str, thread_ts: str | None, attempt: Attempt, piece: int
    ) -> str | None:
        assert attempt.maybe_sent_since is not None
        return await find_piece(
            self._client,
            channel,
            thread_ts,
            key=attempt.key,
            piece=piece,
            since=attempt.maybe_sent_since,
        )

    async def _notify(self, user_id: str, message: Message) -> None:
        """Only `user_id` sees it: ephemeral where they acted, else a private message."""
        channel = self._where.channel_id
        if channel is not None:
            try:
                for post in posts(message, await self._permalinks(message.links)):
                    await self._ephemeral(channel, user_id, post)
            except SlackApiError as refused:
                # Not in that channel, or it is gone, or still rate limited after the client
                # waited out Slack's Retry-After: a notice cannot wait, their DM reaches them.
                log.info("ephemeral refused (%s); sending privately", refused.response.get("error"))
            else:
                return
        await self._post(self._dm_target(user_id), message, None, None)

    async def _ephemeral(self, channel: str, user_id: str, post: Post) -> None:
        await self._client.chat_postEphemeral(
            channel=channel,
            user=user_id,
            thread_ts=self._where.thread_ts,
            text=post.text,
            blocks=post.blocks,
            **NO_PINGS,
        )

    async def _edit(self, ref: MessageRef, message: Message) -> None:
        post = single_post(message, await self._permalinks(message.links))
        await self._pacer.turn(ref.channel)
        await self._client.chat_update(
            channel=ref.channel, ts=ref.ts, text=post.text, blocks=post.blocks, **NO_PINGS
        )

    async def _open_form(self, form: Form) -> None:
        view = modal(form, private_metadata=self._private_metadata())
        answer = self._where.view_answer
        if answer is not None and answer.offer({"response_action": "update", "view": view}):
            return
        if self._where.trigger_id is None:
            raise DeliveryFailed("no_trigger_id")  # a form needs one; this request has none
        try:
            await self._client.views_open(trigger_id=self._where.trigger_id, view=view)
        except SlackApiError as refused:
            if refused.response.get("error") not in EXPIRED_TRIGGER_ERRORS:
                raise
            # The core took longer than the trigger lives: it offers the form behind a button,
            # whose click brings a new trigger.
            raise FormTooLate(form) from None

    def _private_metadata(self) -> str:
        """The form's channel, sealed so a submission cannot pick another."""
        channel, sealing = self._where.channel_id or "", self._caches.form_metadata
        return sealing.seal(channel) if sealing else channel

    async def _reject(self, errors: Mapping[str, str]) -> None:
        answer = self._where.view_answer
        if answer is not None:
            placed = answer.errors_by_block(errors)
            if answer.offer({"response_action": "errors", "errors": placed}):
                return
        # The modal closed before the core answered (a slow database): say it privately.
        if self._where.user_id is not None:
            await self._notify(self._where.user_id, Message(text="\n".join(errors.values())))

    def _dm_target(self, user_id: str) -> str:
        """Where a private message to `user_id` is posted: their DM once known, else their
        own id, which `chat.postMessage` takes for their DM (opening it if need be). One
        call, where `conversations.open` first would be two, and Slack allows far fewer of
        those (Tier 3) than posts: an outcome ask to each of thousands of posters."""
        return self._caches.dm_channels.get(user_id, user_id)

    async def _dm_channel(self, user_id: str) -> str:
        """The id of `user_id`'s DM, opened if need be: for the calls that take no member id
        (the history a retry looks in, a file's upload)."""
        cached = self._caches.dm_channels.get(user_id)
        if cached is None:
            opened = await self._client.conversations_open(users=user_id)
            cached = str(opened["channel"]["id"])
            self._caches.remember_dm(user_id, cached)
        return cached

    async def _permalinks(self, links: Iterable[Link]) -> dict[str, str]:
        """Permalinks of linked messages (cached: they never change); a failure drops the link."""
        found: dict[str, str] = {}
        for link in links:
            url = self._caches.permalinks.get(link.message_ref)
            if url is None:
                url = await self._permalink(link.message_ref)
            if url is not None:
                found[link.message_ref] = url
        return found

    async def _permalink(self, ref: str) -> str | None:
        try:
            target = MessageRef.parse(ref)
            answer = await self._client.chat_getPermalink(
                channel=target.channel, message_ts=target.ts
            )
        except (ValueError, *API_FAILURES) as failure:
            log.info("no permalink (%s); the link is shown as text", type(failure).__name__)
            return None
        url = str(answer["permalink"])
        self._caches.remember_permalink(ref, url)
        return url
