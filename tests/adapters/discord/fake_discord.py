"""A small local Discord: REST under the API base and a JSON gateway, on 127.0.0.1:0.

It records every REST call, keeps just enough state (channels, threads, messages, DM
channels) to answer like Discord, can be told to fail a call (429 with the headers
discord.py reads, 5xx, closed DMs), and pushes gateway dispatches the tests write.
Like Discord, a message sent with `enforce_nonce` and a nonce seen within `nonce_window_s`
returns the message made the first time instead of a new one; reading a channel's messages
(`GET /channels/{id}/messages`) and the guild's active threads works as on Discord. Calls
can be answered after a delay, or held after they acted and before they answer.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.adapters.discord import payloads as p

JSON = "application/json"
DM_CLOSED = 50007
THREAD_ARCHIVED = 50083
EPHEMERAL = 64
# Discord's interaction callback types that show nothing to anyone but the actor: a deferred
# update (6) and a modal (9). A deferred message (5) shows "<name> is thinking..." to the
# channel unless it is ephemeral.
PRIVATE_CALLBACKS = {6, 9}


# Calls (method, path pattern) held until their event is set.
@dataclass
class Call:
    method: str
    path: str
    body: dict[str, Any]
    status: int = 200
    response: Any = None

    @property
    def text(self) -> str:
        return json.dumps(self.body, ensure_ascii=False)


@dataclass
class Failure:
    method: str
    path: re.Pattern[str]
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    times: int


# Calls that make something: a message, or a thread (in a forum, with its first message).
MAKES_SOMETHING = r"^/channels/\d+/(messages|threads)$"


@dataclass
class Gate:
    """Matching calls, from the `after` + 1st on, wait for `event` (before acting, or after
    acting and before answering when `acted`)."""

    method: str
    path: re.Pattern[str]
    event: asyncio.Event
    after: int
    acted: bool


@dataclass
class FakeDiscord:
    """Start with `await fake.start()`; `api_url` and `gateway_url` point discord.py at it."""

    members: list[dict[str, Any]]
    tags: list[dict[str, Any]] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    closed_dms: set[str] = field(default_factory=set)
    dm_channels: dict[str, str] = field(default_factory=dict)  # user id -> channel id
    interactions: dict[str, str] = field(default_factory=dict)  # token -> user id
    failures: list[Failure] = field(default_factory=list)
    gates: list[Gate] = field(default_factory=list)
    arrived: list[Call] = field(default_factory=list)  # before any gate holds them
    identified: asyncio.Event = field(default_factory=asyncio.Event)
    resumed: asyncio.Event = field(default_factory=asyncio.Event)
    watchers: list[tuple[Callable[[Call], bool], asyncio.Future[Call]]] = field(
        default_factory=list
    )
    nonce_window_s: float = 300.0
    delay_s: float = 0.0
    nonces: dict[tuple[str, str], tuple[str, float]] = field(default_factory=dict)
    made: list[dict[str, Any]] = field(default_factory=list)  # bot messages, answered or not
    dropped: set[asyncio.Event] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.bot = p.user(p.BOT_ID, "Rebound", bot=True)
        self.channels[str(p.FORUM_ID)] = p.forum_channel(self.tags)
        self.channels[str(p.HELPERS_ID)] = p.text_channel(p.HELPERS_ID, "helpers")
        self.channels[str(p.GENERAL_ID)] = p.text_channel(p.GENERAL_ID, "general")
        self._ws: web.WebSocketResponse | None = None
        self._seq = 0
        self._beat = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._pending: set[asyncio.Future[None]] = set()
        self._arrival = asyncio.Condition()
        self.base = ""

    # --- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway-ws", self._gateway)
        app.router.add_route("*", "/api/v10/{path:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"{self.base.replace('http', 'ws')}/gateway-ws"

    # --- gateway ------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._ws = ws
        # An hour between the client's own heartbeats: within a test, every heartbeat after
        # the first (sent on HELLO) answers a `settle`.
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 3_600_000}}))
        async for frame in ws:
            if frame.type is not WSMsgType.TEXT:
                break
            data = json.loads(frame.data)
            if data["op"] == 1:
                await ws.send_str(json.dumps({"op": 11}))
                self._beat.set()
            elif data["op"] == 2:
                await self._identify(data["d"].get("shard"))
            elif data["op"] == 6:
                await self.dispatch("RESUMED", {})
                self.resumed.set()
        return ws

    async def drop(self, *, resumable: bool) -> None:
        """Lose the connection as Discord can: ask the client to reconnect and resume
        (op 7), or invalidate its session so it identifies anew (op 9)."""
        assert self._ws is not None, "no client connected"
        self.identified.clear()
        self.resumed.clear()
        frame = {"op": 7, "d": None} if resumable else {"op": 9, "d": False}
        await self._ws.send_str(json.dumps(frame))

    async def _identify(self, shard: list[int] | None) -> None:
        ready: dict[str, Any] = {
            "v": 10,
            "user": self.bot,
            "guilds": [{"id": str(p.GUILD_ID), "unavailable": True}],
            "session_id": "fake-session",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(p.APP_ID), "flags": 0},
            "private_channels": [],
            "relationships": [],
        }
        if shard is not None:
            ready["shard"] = shard
        await self.dispatch("READY", ready)
        await self.dispatch("GUILD_CREATE", self.guild())
        self.identified.set()

    def guild(self) -> dict[str, Any]:
        roles = [
            p.role(p.GUILD_ID, "@everyone", p.EVERYONE_PERMISSIONS),
            p.role(p.MOD_ROLE_ID, "Moderators", p.EVERYONE_PERMISSIONS),
        ]
        members = [*self.members, p.member(p.BOT_ID, "Rebound")]
        members[-1]["user"] = self.bot
        channels = [c for c in self.channels.values() if c["type"] in (0, 15)]
        return {
            "id": str(p.GUILD_ID),
            "name": "Interview Club",
            "owner_id": "1",
            "roles": roles,
            "members": members,
            "member_count": len(members),
            "channels": channels,
            "threads": [c for c in self.channels.values() if c["type"] == 11],
            "emojis": [],
            "stickers": [],
            "features": ["COMMUNITY"],
            "large": False,
            "unavailable": False,
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "premium_tier": 0,
            "verification_level": 0,
            "explicit_content_filter": 0,
            "default_message_notifications": 0,
            "mfa_level": 0,
            "afk_timeout": 300,
            "system_channel_flags": 0,
            "nsfw_level": 0,
            "preferred_locale": "en-GB",
            "joined_at": p.TIMESTAMP,
        }

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Push one dispatch (op 0) to the connected client (a message it tells of is held,
        as Discord holds it, for the channel's history)."""
        assert self._ws is not None, "no client connected"
        if event == "MESSAGE_CREATE":
            self.messages[data["id"]] = data
        self._seq += 1
        await self._ws.send_str(json.dumps({"op": 0, "t": event, "s": self._seq, "d": data}))

    async def interact(self, payload: dict[str, Any]) -> None:
        self.interactions[payload["token"]] = (payload.get("member") or payload)["user"]["id"]
        await self.dispatch("INTERACTION_CREATE", payload)

    async def settle(self, limit: float = 5.0) -> None:
        """Wait until the client has read everything sent so far and finished handling it.

        A heartbeat request (op 1) is answered after every earlier frame was read; then the
        handler tasks discord.py started for them are awaited.
        """
        assert self._ws is not None
        if self._pending:
            await asyncio.wait(list(self._pending), timeout=limit)
        self._beat.clear()
        await self._ws.send_str(json.dumps({"op": 1, "d": self._seq}))
        await asyncio.wait_for(self._beat.wait(), limit)
        await asyncio.wait_for(_handlers_done(), limit)

    def hold_message(self, who: dict[str, Any], channel_id: str, text: str) -> dict[str, Any]:
        """A member's message Discord now holds without telling the bot (it was away)."""
        message = p.guild_message(p.snowflake(), channel_id, who, text)
        self.messages[message["id"]] = message
        return message

    # --- REST ---------------------------------------------------------------------------

    def fail(
        self,
        method: str,
        path: str,
        status: int,
        *,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` calls matching `method` and the `path` regex with an error."""
        self.failures.append(
            Failure(method, re.compile(path), status, body or {}, headers or {}, times)
        )

    def hold(
        self,
        method: str = "POST",
        path: str = MAKES_SOMETHING,
        *,
        after: int = 0,
        acted: bool = False,
    ) -> asyncio.Event:
        """Calls matching `method` and the `path` regex (by default those that make a message
        or a thread), from the `after` + 1st on, wait for the event: before acting, or
        (`acted`) after acting and before answering."""
        gate = Gate(method, re.compile(path), asyncio.Event(), after, acted)
        self.gates.append(gate)
        return gate.event

    def release(self) -> None:
        """Open the gates. Calls still waiting to act were sent by a process that is gone:
        they are dropped, never acted on."""
        for gate in self.gates:
            if not gate.acted:
                self.dropped.add(gate.event)
            gate.event.set()
        self.gates.clear()

    def made_in(self, channel_id: str | int) -> list[dict[str, Any]]:
        return [m for m in self.made if m["channel_id"] == str(channel_id)]

    def arrivals(self, method: str = "POST", path: str = MAKES_SOMETHING) -> int:
        """Calls matching `method` and the `path` regex received so far, held or not."""
        pattern = re.compile(path)
        return sum(1 for c in self.arrived if c.method == method and pattern.search(c.path))

    async def reached(self, method: str, path: str, timeout_s: float = 30) -> None:
        """Until a call matching `method` and the `path` regex has arrived (held or not)."""
        async with asyncio.timeout(timeout_s), self._arrival:
            await self._arrival.wait_for(lambda: self.arrivals(method, path) > 0)

    def _gates_for(self, call: Call, *, acted: bool) -> list[asyncio.Event]:
        """The gates `call` waits at, before acting or (`acted`) before answering."""
        return [
            gate.event
            for gate in self.gates
            if gate.acted == acted
            and gate.method == call.method
            and gate.path.search(call.path)
            and self._number(call, gate) > gate.after
        ]

    def _number(self, call: Call, gate: Gate) -> int:
        """`call`'s place among the calls `gate` matches, counting from 1."""
        matching = (c for c in self.arrived if c.method == gate.method and gate.path.search(c.path))
        return next(n for n, c in enumerate(matching, 1) if c is call)

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["path"]
        # A GET's parameters are its query (`after`, `limit`); other calls carry a body.
        body = dict(request.query) if request.method == "GET" else await _body(request)
        call = Call(request.method, path, body)
        async with self._arrival:
            self.arrived.append(call)
            self._arrival.notify_all()
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        for gate in self._gates_for(call, acted=False):
            await gate.wait()
            if gate in self.dropped:
                return _json({"message": "dropped"}, 503)
        self.calls.append(call)
        failure = self._failure(request.method, path)
        if failure is not None:
            call.status = failure.status
            return _json(failure.body, failure.status, failure.headers)
        status, answer = self._answer(request.method, path, body)
        answer_gates = self._gates_for(call, acted=True) if status < 300 else []
        if answer_gates:
            # Made, not answered: a watcher sees what was made (status 0) before the bot does.
            call.status, call.response = 0, answer
            self._notify(call)
            for gate in answer_gates:
                await gate.wait()
        call.status, call.response = status, answer
        self._notify(call)
        return _json(answer, status)

    def hold_answers(self, method: str, path: str) -> asyncio.Event:
        """Carry out calls matching `method` and the `path` regex at once, but answer them
        only once the returned event is set."""
        return self.hold(method, path, acted=True)

    def next_call(self, wanted: Callable[[Call], bool]) -> asyncio.Future[Call]:
        """A future for the next recorded call `wanted` accepts (set when it is answered)."""
        future: asyncio.Future[Call] = asyncio.get_running_loop().create_future()
        self.watchers.append((wanted, future))
        return future

    def _notify(self, call: Call) -> None:
        for watcher in list(self.watchers):
            wanted, future = watcher
            if not future.done() and wanted(call):
                future.set_result(call)
                self.watchers.remove(watcher)

    def _failure(self, method: str, path: str) -> Failure | None:
        for failure in self.failures:
            if failure.times > 0 and failure.method == method and failure.path.search(path):
                failure.times -= 1
                return failure
        return None

    def _answer(self, method: str, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        for pattern, verb, handler in self._routes():
            match = re.fullmatch(pattern, path)
            if match and verb == method:
                return handler(body, *match.groups())
        return 404, {"message": "404: Not Found", "code": 0}

    def _routes(self) -> list[tuple[str, str, Callable[..., tuple[int, Any]]]]:
        return [
            (r"/users/@me", "GET", lambda _b: (200, self.bot)),
            (r"/oauth2/applications/@me", "GET", self._application),
            (r"/gateway/bot", "GET", self._gateway_bot),
            (r"/gateway", "GET", lambda _b: (200, {"url": self.gateway_url})),
            (r"/users/@me/channels", "POST", self._open_dm),
            (r"/channels/(\d+)/threads", "POST", self._create_thread),
            (r"/channels/(\d+)/messages", "POST", self._post_message),
            (r"/guilds/(\d+)/threads/active", "GET", self._active_threads),
            (r"/channels/(\d+)/messages/(\d+)", "PATCH", self._edit_message),
            (r"/channels/(\d+)/messages/(\d+)", "GET", self._get_message),
            (r"/channels/(\d+)/messages", "GET", self._history),
            (r"/channels/(\d+)", "GET", self._get_channel),
            (r"/channels/(\d+)", "PATCH", self._edit_channel),
            (r"/interactions/(\d+)/([^/]+)/callback", "POST", self._callback),
            (r"/webhooks/(\d+)/([^/]+)", "POST", self._followup),
            (r"/webhooks/(\d+)/([^/]+)/messages/([^/]+)", "PATCH", self._followup_edit),
            (r"/applications/(\d+)/guilds/(\d+)/commands", "PUT", self._sync),
            (r"/applications/(\d+)/commands", "PUT", self._sync),
        ]

    def _application(self, _body: dict[str, Any]) -> tuple[int, Any]:
        return 200, {
            "id": str(p.APP_ID),
            "name": "Rebound",
            "icon": None,
            "description": "",
            "bot_public": False,
            "bot_require_code_grant": False,
            "owner": p.user(1, "Owner"),
            "summary": "",
            "verify_key": "0" * 64,
            "flags": 0,
            "team": None,
        }

    def _gateway_bot(self, _body: dict[str, Any]) -> tuple[int, Any]:
        limit = {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
        return 200, {"url": self.gateway_url, "shards": 1, "session_start_limit": limit}

    def _open_dm(self, body: dict[str, Any]) -> tuple[int, Any]:
        user_id = str(body["recipient_id"])
        channel_id = self.dm_channels.setdefault(user_id, p.snowflake())
        recipient = next(
            (m["user"] for m in self.members if m["user"]["id"] == user_id), p.user(0, "x")
        )
        return 200, {
            "id": channel_id,
            "type": 1,
            "recipients": [recipient],
            "last_message_id": None,
        }

    def _new_message(
        self, channel_id: str, body: dict[str, Any], message_id: str | None = None
    ) -> dict[str, Any]:
        message = p.message(
            message_id or p.snowflake(),
            channel_id,
            self.bot,
            body.get("content") or "",
            guild=channel_id not in self.dm_channels.values(),
            components=body.get("components"),
        )
        self.messages[message["id"]] = message
        self.made.append(message)
        return message

    def _create_thread(self, body: dict[str, Any], forum_id: str) -> tuple[int, Any]:
        thread_id = p.snowflake()
        thread = p.thread(
            thread_id, body["name"], p.BOT_ID, [str(t) for t in body.get("applied_tags", [])]
        )
        self.channels[thread_id] = thread
        message = self._new_message(thread_id, body.get("message", {}), message_id=thread_id)
        # As Discord does, the bot hears about the thread it made (and is in it).
        created = {**thread, "newly_created": True, "member": _thread_member(thread_id)}
        self._background(self.dispatch("THREAD_CREATE", created))
        return 201, {**thread, "message": message}

    def _background(self, work: Any) -> None:
        task = asyncio.ensure_future(work)
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    def _post_message(self, body: dict[str, Any], channel_id: str) -> tuple[int, Any]:
        if channel_id in self.dm_channels.values():
            user_id = next(u for u, c in self.dm_channels.items() if c == channel_id)
            if user_id in self.closed_dms:
                return 403, {"message": "Cannot send messages to this user", "code": DM_CLOSED}
        thread = self.channels.get(channel_id)
        if thread is not None and thread.get("thread_metadata", {}).get("archived"):
            return 400, {"message": "Thread is archived", "code": THREAD_ARCHIVED}
        tag = body.get("nonce")
        if tag is not None and body.get("enforce_nonce"):
            earlier = self.nonces.get((channel_id, str(tag)))
            if earlier is not None and time.monotonic() - earlier[1] < self.nonce_window_s:
                return 200, self.messages[earlier[0]]
        message = self._new_message(channel_id, body)
        if tag is not None:
            self.nonces[(channel_id, str(tag))] = (message["id"], time.monotonic())
        return 200, message

    def _active_threads(self, _query: dict[str, Any], _guild_id: str) -> tuple[int, Any]:
        threads = [
            c
            for c in self.channels.values()
            if c["type"] == 11 and not c["thread_metadata"]["archived"]
        ]
        return 200, {"threads": threads, "members": []}

    def _edit_message(
        self, body: dict[str, Any], channel_id: str, message_id: str
    ) -> tuple[int, Any]:
        message = self.messages.get(message_id) or self._new_message(channel_id, {}, message_id)
        message.update({k: v for k, v in body.items() if k in ("content", "components")})
        message["edited_timestamp"] = p.TIMESTAMP
        return 200, message

    def _get_message(
        self, _body: dict[str, Any], _channel_id: str, message_id: str
    ) -> tuple[int, Any]:
        if message_id in self.messages:
            return 200, self.messages[message_id]
        return 404, {"message": "Unknown Message", "code": 10008}

    def _history(self, query: dict[str, Any], channel_id: str) -> tuple[int, Any]:
        """GET messages, newest first as Discord answers (no nonce: Discord shows it only on
        create). `after` an id: the `limit` oldest after it (discord.py turns them round);
        otherwise the `limit` newest `before` an id."""
        if channel_id not in self.channels and channel_id not in self.dm_channels.values():
            return 404, {"message": "Unknown Channel", "code": 10003}
        limit, before = int(query.get("limit") or 50), int(query.get("before") or 1 << 63)
        held = sorted(
            (m for m in self.messages.values() if m["channel_id"] == channel_id),
            key=lambda m: int(m["id"]),
        )
        if query.get("after"):
            page = [m for m in held if int(m["id"]) > int(query["after"])][:limit]
        else:
            page = [m for m in held if int(m["id"]) < before][-limit:]
        return 200, page[::-1]

    def _get_channel(self, _body: dict[str, Any], channel_id: str) -> tuple[int, Any]:
        if channel_id in self.channels:
            return 200, self.channels[channel_id]
        return 404, {"message": "Unknown Channel", "code": 10003}

    def _edit_channel(self, body: dict[str, Any], channel_id: str) -> tuple[int, Any]:
        channel = self.channels[channel_id]
        metadata = channel.get("thread_metadata")
        reopening = body.get("archived") is False
        if (
            metadata
            and metadata["archived"]
            and not reopening
            and set(body) - {"archived", "locked"}
        ):
            return 400, {"message": "Thread is archived", "code": THREAD_ARCHIVED}
        if "available_tags" in body:
            channel["available_tags"] = [
                {**tag, "id": str(tag.get("id") or p.snowflake())} for tag in body["available_tags"]
            ]
        if "applied_tags" in body:
            channel["applied_tags"] = [str(t) for t in body["applied_tags"]]
        if "name" in body:
            channel["name"] = str(body["name"])[:100]
        if metadata is not None:
            for key in ("archived", "locked"):
                if key in body:
                    metadata[key] = body[key]
        # As Discord does, the bot hears about the change (its cache of the forum's tags too).
        self._background(
            self.dispatch("THREAD_UPDATE" if metadata is not None else "CHANNEL_UPDATE", channel)
        )
        return 200, channel

    def _callback(self, body: dict[str, Any], interaction_id: str, _token: str) -> tuple[int, Any]:
        answer: dict[str, Any] = {
            "interaction": {"id": interaction_id, "type": 2},
            "resource": {"type": body.get("type", 4)},
        }
        if body.get("type") == 4:
            answer["resource"]["message"] = self._new_message(
                p.GENERAL_ID_STR, body.get("data", {})
            )
        return 200, answer

    def _followup(self, body: dict[str, Any], _app: str, _token: str) -> tuple[int, Any]:
        return 200, self._new_message(p.GENERAL_ID_STR, body)

    def _followup_edit(
        self, body: dict[str, Any], _app: str, _token: str, _message: str
    ) -> tuple[int, Any]:
        return 200, self._new_message(p.GENERAL_ID_STR, body)

    def _sync(self, body: dict[str, Any], *_ids: str) -> tuple[int, Any]:
        commands = body.get("items", [])
        return 200, [
            {
                "description": "",
                **c,
                "id": p.snowflake(),
                "application_id": str(p.APP_ID),
                "version": "1",
            }
            for c in commands
        ]

    # --- what was recorded --------------------------------------------------------------

    def calls_to(self, method: str, pattern: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and re.fullmatch(pattern, c.path)]

    def posts_in(self, channel_id: str | int) -> list[Call]:
        return [
            c for c in self.calls_to("POST", rf"/channels/{channel_id}/messages") if c.status == 200
        ]

    def forum_posts(self) -> list[Call]:
        return [
            c for c in self.calls_to("POST", rf"/channels/{p.FORUM_ID}/threads") if c.status < 300
        ]

    def dms_to(self, user_id: str) -> list[Call]:
        channel = self.dm_channels.get(user_id)
        return self.posts_in(channel) if channel else []

    def callbacks(self) -> list[Call]:
        return self.calls_to("POST", r"/interactions/\d+/[^/]+/callback")

    def followups(self) -> list[Call]:
        return self.calls_to("POST", r"/webhooks/\d+/[^/]+")

    def private_to(self, user_id: str, call: Call) -> bool:
        """A DM to `user_id`, or an answer only `user_id` sees to their own interaction."""
        if (
            call.method == "POST"
            and call.path == f"/channels/{self.dm_channels.get(user_id)}/messages"
        ):
            return True
        if call.path == "/users/@me/channels" and str(call.body.get("recipient_id")) == user_id:
            return True  # opening the DM channel to them
        token = _token_of(call.path)
        if token is None or self.interactions.get(token) != user_id:
            return False
        if call.path.endswith("/callback"):
            kind = call.body.get("type")
            flags = (call.body.get("data") or {}).get("flags", 0)
            return kind in PRIVATE_CALLBACKS or bool(flags & EPHEMERAL)
        return bool(call.body.get("flags", 0) & EPHEMERAL)


def _thread_member(thread_id: str) -> dict[str, Any]:
    return {"id": thread_id, "user_id": str(p.BOT_ID), "join_timestamp": p.TIMESTAMP, "flags": 1}


def _token_of(path: str) -> str | None:
    match = re.fullmatch(r"/(?:interactions|webhooks)/\d+/([^/]+)(?:/.*)?", path)
    return match.group(1) if match else None


async def _body(request: web.Request) -> dict[str, Any]:
    if request.content_type == "multipart/form-data":
        form = await request.post()
        raw = form.get("payload_json")
        body = json.loads(str(raw)) if raw else {}
        # Attachments (a member's data export): kept by file name, as text, for the tests.
        uploaded = {
            str(part.filename): part.file.read().decode()
            for name, part in form.items()
            if name.startswith("files[") and isinstance(part, web.FileField)
        }
        return {**body, "uploaded": uploaded} if uploaded else body
    text = await request.text()
    if not text:
        return {}
    parsed = json.loads(text)
    return parsed if isinstance(parsed, dict) else {"items": parsed}


def _json(data: Any, status: int, headers: dict[str, str] | None = None) -> web.Response:
    # discord.py wants exactly `application/json` (json_response adds a charset).
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={"Content-Type": JSON, **(headers or {})},
    )


HANDLER_TASKS = ("discord.py: on_", "CommandTree-invoker", "discord-ui-")


async def _handlers_done() -> None:
    current = asyncio.current_task()
    while True:
        busy = [
            t
            for t in asyncio.all_tasks()
            if t is not current and not t.done() and t.get_name().startswith(HANDLER_TASKS)
        ]
        if not busy:
            return
        await asyncio.wait(busy)
