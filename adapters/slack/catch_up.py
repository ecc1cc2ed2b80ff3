"""Catching up on Slack: thread replies written while Rebound was away.

Slack retries an unacknowledged event three times over about an hour and a half, then
drops it. At start, each open post's thread is read with `conversations.replies` from the
newest message recorded in it (`oldest`), and every member's reply found is handed to the
core as the `message` event Slack would have sent, under a stable event id: the core
records each message once (by event id and by message ref), so catching up twice, or
catching up on a reply whose event arrives too, changes nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from decimal import Decimal, InvalidOperation
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import inbound
from adapters.slack.directory import Directory
from adapters.slack.outbox import SlackOutbox, Where
from adapters.slack.refs import MessageRef
from adapters.slack.web import API_FAILURES
from bot.api import OpenThread, Rebound

log = logging.getLogger(__name__)

PAGE = 200


def newest_ts(thread: OpenThread) -> str:
    """The latest `ts` recorded in the thread's channel (its root's at least)."""
    root = MessageRef.parse(thread.thread_ref)
    stamps = [root.ts]
    for raw in thread.recorded:
        try:
            ref = MessageRef.parse(raw)
            Decimal(ref.ts)
        except (ValueError, InvalidOperation):
            continue
        if ref.channel == root.channel:
            stamps.append(ref.ts)
    return max(stamps, key=Decimal)


def event_id(channel: str, ts: str) -> str:
    """The same for a message however often it is caught up."""
    return f"catch-up:{channel}:{ts}"


async def _replies(client: AsyncWebClient, root: MessageRef, oldest: str) -> AsyncIterator[Any]:
    cursor: str | None = None
    while True:
        page = await client.conversations_replies(
            channel=root.channel, ts=root.ts, oldest=oldest, limit=PAGE, cursor=cursor
        )
        for message in page.get("messages") or []:
            yield message
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not page.get("has_more") or not cursor:
            return


class CatchUp:
    """Reads open threads for one workspace and hands the core what it missed."""

    def __init__(
        self, core: Rebound, client: AsyncWebClient, directory: Directory, outbox: SlackOutbox
    ) -> None:
        self._core = core
        self._client = client
        self._directory = directory
        self._outbox = outbox

    async def run(
        self, community: str, threads: list[OpenThread], stop: asyncio.Event | None = None
    ) -> int:
        """Hand the core every member's reply after the newest recorded one in each
        thread, until `stop` is set; returns how many were handed over (recorded already
        or not)."""
        handed = 0
        for thread in threads:
            root = MessageRef.parse(thread.thread_ref)
            try:
                async for message in _replies(self._client, root, newest_ts(thread)):
                    if stop is not None and stop.is_set():
                        return handed  # stopping: the next start catches up the rest
                    handed += await self._hand_over(community, root, message)
            except API_FAILURES as failure:
                # A thread whose root is gone, a channel the bot left: the others still count.
                log.warning("catching up a thread failed (%s)", type(failure).__name__)
        if handed:
            log.info("caught up on %d thread replies", handed)
        return handed

    async def _hand_over(self, community: str, root: MessageRef, message: dict[str, Any]) -> int:
        ts = str(message.get("ts", ""))
        author = inbound.author_of(message)
        if ts == root.ts or author is None:
            return 0  # the root (always listed first), or a bot's message
        event = inbound.message_event(
            community,
            event_id(root.channel, ts),
            await self._directory.member(author),
            {**message, "channel": root.channel, "channel_type": "channel"},
        )
        if event is None:
            return 0
        where = Where(user_id=author, channel_id=root.channel, thread_ts=root.ts)
        await self._core.handle(event, self._outbox.at(where))
        return 1
