"""Stopping cleanly, for every adapter process.

A stop (SIGTERM from `docker stop` or Kubernetes, SIGINT from Ctrl-C) stops taking new
events, lets the work already acknowledged finish (its decision, then its delivery), and
exits 0, all within STOP_BUDGET_S. `InFlight` is that work; `stop_requested` the signal.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar

from bot.api import log_failure

log = logging.getLogger(__name__)

# What a stop may take in all: Kubernetes waits 30 s before SIGKILL, docker stop 10 s.
STOP_BUDGET_S = 10.0
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)

Job = Callable[[], Awaitable[object]]
_held: ContextVar[list[tuple[Job, str]] | None] = ContextVar("rebound_after_ack", default=None)


def stop_requested() -> asyncio.Event:
    """An event set by the first SIGTERM or SIGINT (instead of dying or raising
    KeyboardInterrupt), so the process can stop in order."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in STOP_SIGNALS:
        loop.add_signal_handler(number, _stopping, stop, number)
    return stop


async def unless_stopped(work: Awaitable[object], stop: asyncio.Event) -> bool:
    """Run `work` (start-up, which may be retrying for a while) unless a stop comes first:
    then it is cancelled and False returned."""
    running = asyncio.ensure_future(work)
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({running, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
    if running.done():
        running.result()  # raise what failed
        return True
    running.cancel()
    await asyncio.gather(running, return_exceptions=True)
    return False


def _stopping(stop: asyncio.Event, number: signal.Signals) -> None:
    if not stop.is_set():
        log.info("%s: stopping (finishing what was acknowledged)", number.name)
    stop.set()


class Deadline:
    """The time left of one stop budget."""

    def __init__(self, seconds: float = STOP_BUDGET_S) -> None:
        self._ends = time.monotonic() + seconds

    def left(self) -> float:
        return max(0.0, self._ends - time.monotonic())


class InFlight:
    """Work to finish before the process stops: requests being decided, deliveries after
    their acknowledgement. `drain` waits for it."""

    def __init__(self) -> None:
        self._count = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def busy(self) -> int:
        return self._count

    @contextlib.contextmanager
    def tracking(self) -> Iterator[None]:
        """Count the work inside the block (in the current task) as in flight."""
        self._count += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._count -= 1
            if self._count == 0:
                self._idle.set()

    def spawn(self, job: Job, what: str) -> None:
        """Run `job` in the background, tracked; a failure is logged without its message."""
        self._count += 1
        self._idle.clear()
        task = asyncio.ensure_future(self._run(job, what))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, job: Job, what: str) -> None:
        try:
            await job()
        except Exception as failure:
            log_failure(log, what, failure)
        finally:
            self._count -= 1
            if self._count == 0:
                self._idle.set()

    def after_ack(self, job: Job, what: str) -> None:
        """Run `job` once the current request's acknowledgement has gone out (inside
        `holding`), or at once when nothing holds it (an in-process dispatch)."""
        held = _held.get()
        if held is None:
            self.spawn(job, what)
        else:
            held.append((job, what))

    @contextlib.contextmanager
    def holding(self) -> Iterator[None]:
        """Keep the jobs queued by `after_ack` in this block until the block ends: the
        caller sends the acknowledgement inside it, last."""
        token = _held.set([])
        try:
            with self.tracking():
                yield
        finally:
            jobs = _held.get() or []
            _held.reset(token)
            for job, what in jobs:
                self.spawn(job, what)

    async def drain(self, timeout_s: float) -> bool:
        """Wait until nothing is in flight; False if `timeout_s` ran out first (what is
        left is cancelled, and its outbox rows are retried after the restart)."""
        if self._count:
            log.info("stop: finishing %d in flight (acknowledged or being delivered)", self._count)
        try:
            async with asyncio.timeout(timeout_s):
                await self._idle.wait()
        except TimeoutError:
            log.warning("stop: %d tasks still running after %.0f s", self._count, timeout_s)
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            return False
        return True
