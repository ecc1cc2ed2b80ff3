"""What the core counts while it works, through a port: the core stays free of exporters.

The core calls a `Recorder`; an adapter process plugs in one that exports (Prometheus, in
adapters/ops_metrics.py), everything else keeps `NULL`, which does nothing. Every label
is a closed vocabulary (an event's type name, a result, a follow-up kind): never a member,
a community's id or anything anyone wrote.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from enum import StrEnum
from typing import Protocol

log = logging.getLogger(__name__)


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
def handling(
    recorder: Recorder, kind: str, community_id: str = "", event_id: str = ""
) -> Iterator[Handling]:
    """Time the block, record its result (an exception escaping it is FAILED) and log one
    line with the event's type, ids, result and latency as fields (never its words)."""
    started = time.perf_counter()
    handled = Handling()
    try:
        yield handled
    except BaseException:
        handled.result = Result.FAILED
        raise
    finally:
        seconds = time.perf_counter() - started
        recorder.event_handled(kind, handled.result, seconds)
        if log.isEnabledFor(logging.INFO):
            ms = round(seconds * 1000, 2)
            log.info(
                "%s %s: %s in %.1f ms",
                kind,
                event_id,
                handled.result.value,
                ms,
                extra={
                    "event_kind": kind,
                    "event_id": event_id,
                    "community_id": community_id,
                    "result": handled.result.value,
                    "latency_ms": ms,
                },
            )
