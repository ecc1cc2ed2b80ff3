"""Socket Mode smoke test: the real handler against a small fake websocket."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import WSMsgType, web

from tests.adapters.slack.workspace import SUPPORT, Workspace


async def test_an_event_over_socket_mode_is_acked_and_handled(slack: Workspace) -> None:
    acks: list[dict[str, Any]] = []
    acked = asyncio.Event()
    event = slack.requests.message("U0TOMAS", "Ghosted after two rounds.", SUPPORT, ts="5.1")
    envelope = {
        "envelope_id": "env-1",
        "type": "events_api",
        "accepts_response_payload": False,
        "retry_attempt": 0,
        "retry_reason": "",
        "payload": json.loads(slack.requests.event(event)),
    }

    async def socket(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"type": "hello", "num_connections": 1})
        await ws.send_json(envelope)
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                acks.append(json.loads(message.data))
                acked.set()
        return ws

    slack.fake.socket_mode = socket
    stop = asyncio.Event()
    running = asyncio.create_task(slack.adapter.serve_socket_mode("xapp-test-token", stop))
    try:
        await slack.fake.wait_for(lambda fake: len(fake.posts(SUPPORT)) == 1)
        async with asyncio.timeout(10):
            await acked.wait()
    finally:
        stop.set()
        await running

    assert [a["envelope_id"] for a in acks] == ["env-1"]
    reply = slack.fake.posts(SUPPORT)[0]
    assert reply.params["thread_ts"] == "5.1"
    assert slack.fake.of("apps.connections.open")
