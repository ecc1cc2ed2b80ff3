"""Catching up on Discord: thread messages sent while the gateway was not listening.

The gateway acknowledges nothing and a new session replays nothing, so on start and after
every reconnect each open post's thread is read over REST (`GET /channels/{thread}/messages
?after=`) from the newest message recorded in it. Every member's message found goes to the
core as the `MessagePosted` its MESSAGE_CREATE would have given, under the same event id
(`message:<id>`): the core records each message once, so catching up twice, or on a
message the gateway delivered too, changes nothing.
"""

from __future__ import annotations

import asyncio
import logging

import discord

from adapters.discord import inbound
from adapters.discord.refs import parse_message_ref
from bot.api import OpenThread, Outbox, Rebound

log = logging.getLogger(__name__)


def newest_id(thread: OpenThread) -> int:
    """The newest message id recorded in the thread (its own id at least)."""
    thread_id = int(thread.thread_ref)
    found = [thread_id]
    for ref in thread.recorded:
        try:
            at = parse_message_ref(ref)
        except ValueError:
            continue
        if at.channel_id == thread_id:
            found.append(at.message_id)
    return max(found)


class CatchUp:
    """Reads the open threads of one guild's forum and hands the core what it missed."""

    def __init__(
        self,
        client: discord.Client,
        community: inbound.Community,
        core: Rebound,
        outbox: Outbox,
    ) -> None:
        self._client = client
        self._community = community
        self._core = core
        self._outbox = outbox

    async def run(self, threads: list[OpenThread], stop: asyncio.Event | None = None) -> int:
        """Returns how many messages were handed over (recorded already or not); once
        `stop` is set, none more."""
        handed = 0
        for thread in threads:
            try:
                handed += await self._read(thread, stop)
            except (discord.HTTPException, ValueError) as failure:
                # A thread deleted meanwhile, one the bot cannot see: the others still count.
                log.warning("catching up a thread failed (%s)", type(failure).__name__)
        if handed:
            log.info("caught up on %d thread messages", handed)
        return handed

    async def _read(self, thread: OpenThread, stop: asyncio.Event | None) -> int:
        thread_id = int(thread.thread_ref)
        channel = self._client.get_channel(thread_id) or await self._client.fetch_channel(thread_id)
        if not isinstance(channel, discord.Thread):
            return 0
        handed = 0
        after = discord.Object(newest_id(thread))
        async for message in channel.history(limit=None, after=after, oldest_first=True):
            if stop is not None and stop.is_set():
                break  # stopping: the next start catches up the rest
            event = inbound.from_message(self._community, message)
            if event is not None:
                await self._core.handle(event, self._outbox)
                handed += 1
        return handed
