"""Socket Mode: envelopes acknowledged once their decision is stored, and a clean stop.

Bolt's own handler acknowledges what its dispatch returns with status 200 only, so an
envelope no listener takes was never acknowledged, and Slack kept sending it. Here an
envelope is acknowledged after its dispatch (Bolt runs with `process_before_response`, so
that is after the decision is stored) whenever it was handled or nobody handles it; a
failed decision (500) is left unacknowledged for Slack to send again. Deliveries wait
for the acknowledgement (`InFlight.holding`).

Once stopping, new envelopes are left unacknowledged (Slack sends them to the next
connection) while those already taken finish. A refused app token (`apps.connections.open`)
stops the client instead of letting it retry forever.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from slack_bolt.adapter.socket_mode.async_base_handler import AsyncBaseSocketModeHandler
from slack_bolt.adapter.socket_mode.async_internals import run_async_bolt_app
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from adapters.lifecycle import InFlight
from adapters.slack.startup import REFUSED_TOKEN_ERRORS, TokenRefused

log = logging.getLogger(__name__)

# Statuses whose envelope is acknowledged: handled, or no listener for it.
ACKNOWLEDGED = frozenset({200, 404})


class _Client(SocketModeClient):
    """Stops reconnecting when Slack refuses the app token, and says so once."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.refused: TokenRefused | None = None
        self.refusal = asyncio.Event()

    async def issue_new_wss_url(self) -> str:
        try:
            url: str = await super().issue_new_wss_url()
        except SlackApiError as failure:
            error = str(failure.response.get("error", ""))
            if error not in REFUSED_TOKEN_ERRORS:
                raise
            self.refused = TokenRefused("SLACK_APP_TOKEN", error)
            self.closed = True  # its connect loop stops instead of retrying
            self.refusal.set()
            raise
        return url


class SocketMode(AsyncBaseSocketModeHandler):
    def __init__(
        self,
        app: AsyncApp,
        app_token: str,
        in_flight: InFlight,
        on_ack: Callable[[float], None] = lambda _seconds: None,
    ) -> None:
        self._on_ack = on_ack
        self.app = self._bolt = app
        self.client = _Client(app_token=app_token, logger=app.logger, web_client=app.client)
        self.client.socket_mode_request_listeners.append(self.handle)  # type: ignore[arg-type]
        self._in_flight = in_flight
        self.stopping = False

    async def refused(self) -> TokenRefused:
        """Once Slack refuses the app token (while reconnecting): the refusal."""
        client: _Client = self.client  # type: ignore[assignment]
        await client.refusal.wait()
        assert client.refused is not None
        return client.refused

    def connected(self) -> bool:
        """Whether the WebSocket to Slack is open (readiness)."""
        session = self.client.current_session  # type: ignore[attr-defined]
        return session is not None and not session.closed and not self.stopping

    async def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        if self.stopping:
            return  # not acknowledged: Slack sends it again to the next connection
        started = time.perf_counter()
        with self._in_flight.holding():
            response = await run_async_bolt_app(self._bolt, req)
            if response.status not in ACKNOWLEDGED:
                log.warning("envelope left unacknowledged (status %d)", response.status)
                return
            await client.send_socket_mode_response(_ack(req, response.status, response.body))
            self._on_ack(time.perf_counter() - started)


def _ack(req: SocketModeRequest, status: int, body: str) -> SocketModeResponse:
    """The envelope's acknowledgement, with Bolt's answer when it has one (a modal's
    `response_action`, a command's reply)."""
    if status != 200 or not body:
        return SocketModeResponse(envelope_id=req.envelope_id)
    try:
        payload = json.loads(body)
    except ValueError:
        payload = {"text": body}
    return SocketModeResponse(envelope_id=req.envelope_id, payload=payload)
