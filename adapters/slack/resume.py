"""Exactly once on Slack: every message from an outbox row carries the row in its metadata,
so a try cut short (a crash, a timeout, a lost lease) can be found before posting again.

`chat.postMessage` takes `metadata` (an `event_type` and a JSON payload); the messages of a
channel (`conversations.history`) or of a thread (`conversations.replies`) show it back when
asked with `include_all_metadata`. Only messages since the cut-short try are read.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.refs import message_ref

EVENT_TYPE = "rebound_outbound"
PAGE = 200
# Slack's clock and ours may differ a little: look a minute further back.
CLOCK_SKEW = timedelta(minutes=1)


def metadata(key: str, piece: int) -> dict[str, Any]:
    """What marks piece `piece` of outbox row `key` on the message that carries it."""
    return {"event_type": EVENT_TYPE, "event_payload": {"row": key, "piece": piece}}


def is_piece(message: dict[str, Any], key: str, piece: int) -> bool:
    found = message.get("metadata") or {}
    payload = found.get("event_payload") or {}
    return (
        found.get("event_type") == EVENT_TYPE
        and str(payload.get("row")) == key
        and int(payload.get("piece", 0)) == piece
    )


async def find_piece(
    client: AsyncWebClient,
    channel: str,
    thread_ts: str | None,
    *,
    key: str,
    piece: int,
    since: datetime,
) -> str | None:
    """The ref of piece `piece` of row `key` if a message since `since` carries it."""
    async for message in _messages(client, channel, thread_ts, since - CLOCK_SKEW):
        if is_piece(message, key, piece):
            return message_ref(channel, str(message["ts"]))
    return None


async def _messages(
    client: AsyncWebClient, channel: str, thread_ts: str | None, oldest: datetime
) -> AsyncIterator[dict[str, Any]]:
    cursor: str | None = None
    while True:
        page: dict[str, Any] = {
            "channel": channel,
            "oldest": f"{oldest.timestamp():.6f}",
            "include_all_metadata": True,
            "limit": PAGE,
            **({"cursor": cursor} if cursor else {}),
        }
        if thread_ts is None:
            answer = await client.conversations_history(**page)
        else:
            answer = await client.conversations_replies(ts=thread_ts, **page)
        for message in answer.get("messages") or []:
            yield message
        cursor = (answer.get("response_metadata") or {}).get("next_cursor") or None
        if cursor is None:
            return
