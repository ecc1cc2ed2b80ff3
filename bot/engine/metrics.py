"""What the core counts while it works, through a port: the core stays free of exporters.

The core calls a `Recorder`; an adapter process plugs in one that exports (Prometheus, in
adapters/ops_metrics.py), everything else keeps `NULL`, which does nothing. Every label
is a closed vocabulary (an event's type name, a result, a follow-up kind): never a member,
a community's id or anything anyone wrote.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from enum import StrEnum
from typing import Protocol


class Result(StrEnum):
    """What became of one inbound event."""

    APPLIED = "applied"
    REDELIVERY = "redelivery"
    REFUSED = "refused"
    FAILED = "failed"


class Delivery(StrEnum):
    """What became of one try at an outbox row."""

    DELIVERED = "delivered"
    RETRIED = "retried"
    GIVEN_UP = "given_up"


class Recorder(Protocol):
    def event_handled(self, kind: str, result: Result, seconds: float) -> None:
        """One inbound event of type `kind` decided (or failed) in `seconds`."""

    def outbound(self, outcome: Delivery) -> None:
        """One durable intent delivered, put back for a retry, or given up."""

    def follow_up_fired(self, kind: str) -> None:
        """One due follow-up of `kind` fired."""


class NullRecorder:
    """Records nothing: the default, and what a process without an exporter keeps."""

    def event_handled(self, kind: str, result: Result, seconds: float) -> None:
        return None

    def outbound(self, outcome: Delivery) -> None:
        return None

    def follow_up_fired(self, kind: str) -> None:
        return None


NULL: Recorder = NullRecorder()


class Handling:
    """One event being handled: its result is APPLIED unless set otherwise."""

    def __init__(self) -> None:
        self.result = Result.APPLIED


@contextlib.contextmanager
def handling(recorder: Recorder, kind: str) -> Iterator[Handling]:
    """Time the block and record its result; an exception escaping it is FAILED."""
    started = time.perf_counter()
    handled = Handling()
    try:
        yield handled
    except BaseException:
        handled.result = Result.FAILED
        raise
    finally:
        recorder.event_handled(kind, handled.result, time.perf_counter() - started)
