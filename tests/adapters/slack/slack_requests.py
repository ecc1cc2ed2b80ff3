"""Requests as Slack sends them, signed: Events API envelopes, slash commands, interactions.

Shapes follow Slack's documentation: commands are form-encoded, interactivity is a
form with one `payload=` JSON field, events are JSON `event_callback` envelopes.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

from tests.adapters.slack.fake_slack import TEAM_ID

SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
APP_ID = "A0REBOUNDAPP"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def bolt_request(body: str, headers: Mapping[str, str]) -> AsyncBoltRequest:
    """A request for `AsyncApp.async_dispatch`, as the HTTP server would hand it over."""
    wide: dict[str, str | Sequence[str]] = {**headers}
    return AsyncBoltRequest(body=body, headers=wide)


class SlackRequests:
    def __init__(self, secret: str = SIGNING_SECRET, team_id: str = TEAM_ID) -> None:
        self.secret = secret
        self.team_id = team_id
        self._numbers = itertools.count(1)
        self.triggered_by: dict[str, str] = {}  # trigger_id -> user id

    def _next(self) -> int:
        return next(self._numbers)

    def next_ts(self) -> str:
        return f"{1_760_000_000 + self._next()}.000200"

    def headers(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        secret: str | None = None,
    ) -> dict[str, str]:
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        verifier = SignatureVerifier(secret or self.secret)
        signature = verifier.generate_signature(timestamp=stamp, body=body)
        assert signature is not None
        return {
            "content-type": content_type,
            "x-slack-request-timestamp": stamp,
            "x-slack-signature": signature,
        }

    # --- Events API --------------------------------------------------------------------------

    def event(self, event: dict[str, Any], *, event_id: str | None = None) -> str:
        return json.dumps(
            {
                "token": "legacy-verification-token",
                "team_id": self.team_id,
                "api_app_id": APP_ID,
                "event": event,
                "type": "event_callback",
                "event_id": event_id or f"Ev{self._next():08d}",
                "event_time": int(time.time()),
                "authorizations": [
                    {"team_id": self.team_id, "user_id": "U0REBOUNDBOT", "is_bot": True}
                ],
            }
        )

    def message(
        self,
        user: str,
        text: str,
        channel: str,
        *,
        ts: str,
        thread_ts: str | None = None,
        channel_type: str = "channel",
    ) -> dict[str, Any]:
        event: dict[str, Any] = {
            "type": "message",
            "user": user,
            "text": text,
            "ts": ts,
            "team": self.team_id,
            "channel": channel,
            "event_ts": ts,
            "channel_type": channel_type,
            "client_msg_id": f"msg-{ts}",
        }
        if thread_ts is not None:
            event["thread_ts"] = thread_ts
        return event

    def edited(
        self,
        user: str,
        channel: str,
        ts: str,
        old: str,
        new: str,
        *,
        thread_ts: str | None = None,
    ) -> dict[str, Any]:
        threaded = {"thread_ts": thread_ts} if thread_ts else {}
        return {
            "type": "message",
            "subtype": "message_changed",
            "channel": channel,
            "hidden": True,
            "ts": self.next_ts(),
            "message": {
                "type": "message",
                "user": user,
                "text": new,
                "ts": ts,
                "edited": {"user": user, "ts": self.next_ts()},
                **threaded,
            },
            "previous_message": {
                "type": "message",
                "user": user,
                "text": old,
                "ts": ts,
                **threaded,
            },
            "channel_type": "channel",
        }

    def deleted(
        self,
        user: str,
        channel: str,
        ts: str,
        *,
        thread_ts: str | None = None,
        bot_id: str | None = None,
    ) -> dict[str, Any]:
        """`message_deleted`; the deleted message was the bot's own when `bot_id` is given."""
        gone: dict[str, Any] = {"type": "message", "user": user, "text": "(gone)", "ts": ts}
        if thread_ts:
            gone["thread_ts"] = thread_ts
        if bot_id:
            gone["bot_id"] = bot_id
        return {
            "type": "message",
            "subtype": "message_deleted",
            "channel": channel,
            "hidden": True,
            "deleted_ts": ts,
            "ts": self.next_ts(),
            "event_ts": self.next_ts(),
            "previous_message": gone,
            "channel_type": "channel",
        }

    def tombstoned(self, user: str, channel: str, ts: str, old: str) -> dict[str, Any]:
        """A thread's parent deleted while it has replies: Slack changes it into a
        placeholder posted as Slackbot instead of deleting it."""
        return {
            "type": "message",
            "subtype": "message_changed",
            "channel": channel,
            "hidden": True,
            "ts": self.next_ts(),
            "message": {
                "type": "message",
                "subtype": "tombstone",
                "text": "This message was deleted.",
                "user": "USLACKBOT",
                "hidden": True,
                "ts": ts,
                "thread_ts": ts,
                "reply_count": 1,
            },
            "previous_message": {
                "type": "message",
                "user": user,
                "text": old,
                "ts": ts,
                "thread_ts": ts,
                "reply_count": 1,
            },
            "channel_type": "channel",
        }

    def reaction(
        self, user: str, emoji: str, channel: str, ts: str, *, added: bool = True
    ) -> dict[str, Any]:
        return {
            "type": "reaction_added" if added else "reaction_removed",
            "user": user,
            "reaction": emoji,
            "item": {"type": "message", "channel": channel, "ts": ts},
            "item_user": "U0SOMEONE",
            "event_ts": self.next_ts(),
        }

    # --- slash commands ----------------------------------------------------------------------

    def command(self, user: str, name: str, command: str, channel: str, text: str = "") -> str:
        return urlencode(
            {
                "token": "legacy-verification-token",
                "team_id": self.team_id,
                "team_domain": "rebound-test",
                "channel_id": channel,
                "channel_name": "support",
                "user_id": user,
                "user_name": name,
                "command": command,
                "text": text,
                "api_app_id": APP_ID,
                "is_enterprise_install": "false",
                "response_url": "http://127.0.0.1:9/commands/unused",
                "trigger_id": self.trigger(user),
            }
        )

    # --- interactivity -----------------------------------------------------------------------

    def interaction(self, payload: dict[str, Any]) -> str:
        return urlencode({"payload": json.dumps(payload)})

    def trigger(self, user: str) -> str:
        trigger_id = f"{self._next()}.{self.team_id}.trigger"
        self.triggered_by[trigger_id] = user
        return trigger_id

    def _common(self, kind: str, user: str, name: str) -> dict[str, Any]:
        return {
            "type": kind,
            "team": {"id": self.team_id, "domain": "rebound-test"},
            "user": {"id": user, "username": name, "name": name, "team_id": self.team_id},
            "api_app_id": APP_ID,
            "token": "legacy-verification-token",
            "trigger_id": self.trigger(user),
            "is_enterprise_install": False,
            "enterprise": None,
        }

    def button(
        self, user: str, name: str, action_id: str, channel: str, message_ts: str
    ) -> dict[str, Any]:
        return {
            **self._common("block_actions", user, name),
            "container": {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel,
                "is_ephemeral": False,
            },
            "channel": {"id": channel, "name": "somewhere"},
            "message": {"type": "message", "ts": message_ts, "text": "", "bot_id": "B0REBOUNDBOT"},
            "state": {"values": {}},
            "response_url": "http://127.0.0.1:9/actions/unused",
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": "b1",
                    "type": "button",
                    "value": action_id,
                    "text": {"type": "plain_text", "text": "x"},
                    "action_ts": self.next_ts(),
                }
            ],
        }

    def view_button(
        self, user: str, name: str, action_id: str, view: dict[str, Any], values: dict[str, Any]
    ) -> dict[str, Any]:
        """A button pressed in a published view (the App Home), whose input blocks are
        filled with `values`: the click carries their state."""
        view_id = f"V{self._next():06d}"
        return {
            **self._common("block_actions", user, name),
            "container": {"type": "view", "view_id": view_id},
            "view": {
                **view,
                "id": view_id,
                "team_id": self.team_id,
                "state": {"values": _state(view, values)},
                "app_id": APP_ID,
                "bot_id": "B0REBOUNDBOT",
            },
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": action_id,
                    "type": "button",
                    "text": {"type": "plain_text", "text": "x"},
                    "action_ts": self.next_ts(),
                }
            ],
        }

    def shortcut(
        self, user: str, name: str, callback_id: str, channel: str, ts: str
    ) -> dict[str, Any]:
        return {
            **self._common("message_action", user, name),
            "callback_id": callback_id,
            "action_ts": self.next_ts(),
            "channel": {"id": channel, "name": "support"},
            "message_ts": ts,
            "message": {"type": "message", "user": "U0SOMEONE", "ts": ts, "text": "..."},
            "response_url": "http://127.0.0.1:9/app/unused",
        }

    def view_submission(
        self, user: str, name: str, view: dict[str, Any], values: dict[str, Any]
    ) -> dict[str, Any]:
        """The submission of the modal `view` (as the bot opened it), filled with `values`."""
        return {
            **self._common("view_submission", user, name),
            "view": {
                **view,
                "id": f"V{self._next():06d}",
                "team_id": self.team_id,
                "hash": f"{self._next()}.hash",
                "state": {"values": _state(view, values)},
                "app_id": APP_ID,
                "bot_id": "B0REBOUNDBOT",
            },
            "response_urls": [],
        }


def _state(view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """`view.state.values` as Slack fills it: every input block, chosen or not."""
    state: dict[str, Any] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        element = block["element"]
        kind, value = element["type"], values.get(block["block_id"])
        if kind == "plain_text_input":
            filled: dict[str, Any] = {"value": value}
        elif kind == "datepicker":
            filled = {"selected_date": value}
        elif kind == "conversations_select":
            filled = {"selected_conversation": value}
        elif kind == "static_select":
            filled = {"selected_option": _option(element, value) if value else None}
        else:
            chosen = [value] if isinstance(value, str) else list(value or [])
            filled = {"selected_options": [_option(element, v) for v in chosen]}
        state[block["block_id"]] = {element["action_id"]: {"type": kind, **filled}}
    return state


def _option(element: dict[str, Any], value: str) -> dict[str, Any]:
    for option in element.get("options", []):
        if option["value"] == value:
            return dict(option)
    return {"text": {"type": "plain_text", "text": value}, "value": value}
