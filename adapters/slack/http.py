"""The HTTP endpoint in front of Bolt: the signature first, then the body's shape.

Bolt parses a body before it checks its signature, so anything a stranger posts could
reach its parser (a 500 and a traceback in the log). Here an unsigned or forged request is
refused with 401 and a signed one that is not a body Slack sends (broken JSON, a broken
`payload=` form, bytes that are not UTF-8) with 400, each with one WARNING line that
never holds the body, at most once per WARN_EVERY_S (with a count). What passes goes to
Bolt; its acknowledgement is written before the work queued for after it is let go.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections import Counter
from collections.abc import Callable

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.request.internals import parse_body

from adapters.lifecycle import InFlight
from adapters.ops_http import Ops

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
WARN_EVERY_S = 60.0
# Slack's rule: a request more than five minutes off is refused (replays).
MAX_CLOCK_SKEW_S = 300


class RefusalLog:
    """One WARNING line per `every_s` at most, counting what was refused in between."""

    def __init__(self, every_s: float = WARN_EVERY_S) -> None:
        self._every_s = every_s
        self._counts: Counter[str] = Counter()
        self._last: float | None = None

    def note(self, reason: str) -> None:
        self._counts[reason] += 1
        now = time.monotonic()
        if self._last is not None and now - self._last < self._every_s:
            return
        self._last = now
        summary = ", ".join(f"{count} {why}" for why, count in sorted(self._counts.items()))
        self._counts.clear()
        log.warning("refused Slack requests: %s", summary)


class EventsEndpoint:
    def __init__(
        self,
        app: AsyncApp,
        signing_secret: str,
        in_flight: InFlight,
        refusals: RefusalLog,
        on_ack: Callable[[float], None] = lambda _seconds: None,
    ) -> None:
        self._on_ack = on_ack
        self._app = app
        self._secret = signing_secret.encode()
        self._in_flight = in_flight
        self._refusals = refusals

    async def handle(self, request: web.Request) -> web.StreamResponse:
        started = time.perf_counter()
        raw = await request.read()
        if not self._signed(raw, request):
            self._refusals.note("unsigned or forged (401)")
            return web.json_response({"error": "invalid request"}, status=401)
        body = _readable(raw, request.content_type)
        if body is None:
            self._refusals.note("signed but malformed (400)")
            return web.json_response({"error": "malformed request"}, status=400)
        bolt_request = AsyncBoltRequest(
            body=body,
            query=request.query_string,
            headers=request.headers,  # type: ignore[arg-type]
        )
        with self._in_flight.holding():
            response = await to_aiohttp_response(await self._app.async_dispatch(bolt_request))
            # The acknowledgement is out before `holding` lets the deliveries go.
            await response.prepare(request)
            await response.write_eof()
            self._on_ack(time.perf_counter() - started)
        return response

    def _signed(self, raw: bytes, request: web.Request) -> bool:
        """Slack's v0 signature over the raw bytes (slack-sdk's verifier decodes them as
        UTF-8 first, so it cannot tell a signed non-UTF-8 body from a forged one)."""
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > MAX_CLOCK_SKEW_S:
            return False
        base = b"v0:" + timestamp.encode() + b":" + raw
        expected = "v0=" + hmac.new(self._secret, base, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))


def _readable(raw: bytes, content_type: str) -> str | None:
    """The body as text if it has a shape Slack sends (an object, as JSON or a form)."""
    try:
        text = raw.decode("utf-8")
        parsed = parse_body(text, content_type)
    except ValueError:  # UnicodeDecodeError and json.JSONDecodeError are ValueErrors
        return None
    return text if isinstance(parsed, dict) else None


def events_app(endpoint: EventsEndpoint, ops: Ops) -> web.Application:
    """Events, commands and interactivity at /slack/events, beside /healthz, /readyz and
    /metrics."""
    application = ops.web_app()
    application.router.add_post(EVENTS_PATH, endpoint.handle)
    return application
