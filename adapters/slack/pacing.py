"""Pacing outbound posts: about one message per second per channel, as Slack asks.

Each post reserves the next free slot of its channel (and of the workspace, when a
workspace rate is set) before it waits, so concurrent senders never share a slot.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

MAX_REMEMBERED_CHANNELS = 10_000


class Pacer:
    def __init__(
        self,
        channel_interval_s: float = 1.0,
        workspace_rate_per_s: float = 0.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.channel_interval_s = channel_interval_s
        self.workspace_interval_s = 1 / workspace_rate_per_s if workspace_rate_per_s > 0 else 0.0
        self._clock = clock
        self._sleep = sleep
        self._channel_free_at: dict[str, float] = {}
        self._workspace_free_at = 0.0

    async def turn(self, channel: str) -> None:
        """Wait until a message may be posted to `channel`."""
        now = self._clock()
        slot = max(now, self._channel_free_at.get(channel, now))
        if self.workspace_interval_s:
            # In order: a post held back by its channel holds back the posts after it, so
            # the workspace never sees two posts closer than its interval.
            slot = max(slot, self._workspace_free_at)
            self._workspace_free_at = slot + self.workspace_interval_s
        self._forget_idle_channels(now)
        self._channel_free_at[channel] = slot + self.channel_interval_s
        if slot > now:
            await self._sleep(slot - now)

    def _forget_idle_channels(self, now: float) -> None:
        if len(self._channel_free_at) >= MAX_REMEMBERED_CHANNELS:
            self._channel_free_at = {
                channel: free_at
                for channel, free_at in self._channel_free_at.items()
                if free_at > now
            }
