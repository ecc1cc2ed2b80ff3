"""The core's `Recorder` for Prometheus, plus what only adapters see (acknowledgements,
the platform's 429s and 5xx), in a registry of the process's own.

It lives with the adapters, not the core: the core only knows the port
(bot/engine/metrics.py), so it never depends on an exporter, and the registry and its
HTTP exposition belong to the process that serves them (adapters/ops_http.py). Labels are
closed vocabularies: event type names, results, follow-up kinds, platforms, statuses.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import aiohttp
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from bot.api import Counts, Delivery, Result

CONTENT_TYPE = CONTENT_TYPE_LATEST
RATE_LIMITED = 429
SERVER_ERROR = 500
# Seconds: Slack wants an answer within 3 s, Discord an interaction's within 3 s.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)


class PrometheusRecorder:
    """Counters, histograms and gauges of one process."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self._events = Counter(
            "rebound_events",
            "Inbound events handled, by type and result",
            ["kind", "result"],
            registry=r,
        )
        self._handling = Histogram(
            "rebound_event_handling_seconds",
            "Time to decide and store one inbound event",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self._ack = Histogram(
            "rebound_ack_seconds",
            "Time from a request's arrival to its acknowledgement",
            ["adapter"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self._outbound = Counter(
            "rebound_outbound", "Tries at outbox rows, by outcome", ["outcome"], registry=r
        )
        self._fired = Counter(
            "rebound_follow_ups_fired", "Follow-ups fired, by kind", ["kind"], registry=r
        )
        self._platform = Counter(
            "rebound_platform_errors",
            "Platform answers that were 429 or 5xx, by platform and status",
            ["platform", "status"],
            registry=r,
        )
        self._rows = Gauge(
            "rebound_outbound_rows", "Outbox rows by state (at scrape)", ["state"], registry=r
        )
        self._due = Gauge(
            "rebound_follow_ups_due",
            "Follow-ups due and not fired (at scrape)",
            ["kind"],
            registry=r,
        )
        self._communities = Gauge(
            "rebound_communities",
            "Communities in the database, by platform (at scrape)",
            ["platform"],
            registry=r,
        )
        self._care = Gauge(
            "rebound_care_events",
            "Crisis alerts, resumes and reveals ever recorded, by kind (at scrape)",
            ["kind"],
            registry=r,
        )
        self._paused = Gauge(
            "rebound_paused_posts",
            "Posts whose asks and reminders wait for a moderator after a crisis alert",
            registry=r,
        )
        self._waiting = Gauge(
            "rebound_events_waiting",
            "Events acknowledged and not decided yet, by platform (at scrape)",
            ["platform"],
            registry=r,
        )
        # Children looked up once per label set: the hot path is a dict hit and an add.
        self._children: dict[tuple[int, tuple[str, ...]], Any] = {}

    def _child(self, metric: Any, *labels: str) -> Any:
        key = (id(metric), labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*labels)
        return child

    # --- the core's port (bot.engine.metrics.Recorder) -----------------------------------

    def event_handled(self, kind: str, result: Result, seconds: float) -> None:
        self._child(self._events, kind, result.value).inc()
        self._handling.observe(seconds)

    def outbound(self, outcome: Delivery) -> None:
        self._child(self._outbound, outcome.value).inc()

    def follow_up_fired(self, kind: str) -> None:
        self._child(self._fired, kind).inc()

    # --- what adapters see -----------------------------------------------------------------

    def acknowledged(self, adapter: str, seconds: float) -> None:
        self._child(self._ack, adapter).observe(seconds)

    def platform_answered(self, platform: str, status: int) -> None:
        """Counts 429s and 5xx; other statuses are not counted."""
        if status == RATE_LIMITED or status >= SERVER_ERROR:
            self._child(self._platform, platform, str(status)).inc()

    def trace_config(self, platform: str) -> aiohttp.TraceConfig:
        """Counts every answer of an aiohttp session (retries included) by its status."""

        async def on_end(
            _session: aiohttp.ClientSession,
            _context: SimpleNamespace,
            params: aiohttp.TraceRequestEndParams,
        ) -> None:
            self.platform_answered(platform, params.response.status)

        trace = aiohttp.TraceConfig()
        trace.on_request_end.append(on_end)
        return trace

    def refresh(self, counts: Counts) -> None:
        """The gauges read from the database, just before a scrape."""
        for state, n in counts.outbound.items():
            self._rows.labels(state).set(n)
        self._due.clear()
        for kind, n in counts.follow_ups_due.items():
            self._due.labels(kind).set(n)
        for platform, n in counts.communities.items():
            self._communities.labels(platform).set(n)
        for kind, n in counts.care_events.items():
            self._care.labels(kind).set(n)
        self._paused.set(counts.paused_posts)
        self._waiting.clear()
        for platform, n in counts.events_waiting.items():
            self._waiting.labels(platform).set(n)

    def exposition(self) -> bytes:
        exposed: bytes = generate_latest(self.registry)
        return exposed
