"""Pacing outbound posts: about one message per second per channel, as Slack asks.

Each post reserves the next free slot of its channel (and of the workspace, when a
workspace rate is set) before it waits, so concurrent senders never share a slot.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

MAX_REMEMBERED_CHANNELS = 10_000
CATCH_UP_S = 0.05


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
            # In order: a post held back by its channel holds back the posts after it. The
            # workspace schedule may run up to CATCH_UP_S behind the clock, so a sender that
            # fell behind (the loop was busy) gets some of its missed slots back, while any
            # one second still holds at most rate * (1 + CATCH_UP_S) posts.
            scheduled = max(self._workspace_free_at, slot - CATCH_UP_S)
            slot = max(slot, scheduled)
            self._workspace_free_at = scheduled + self.workspace_interval_s
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
