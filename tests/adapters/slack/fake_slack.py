"""A local fake of Slack's Web API: records every call and answers like Slack.

It binds 127.0.0.1 on a free port. Tests script failures per method (a 429 with
Retry-After, a 500), hold a method behind a gate to make it slow (before it acts, or after
it acted and before it answers, as a platform that received a call but has not answered),
answer every call after a delay, or limit `chat.postMessage` to N calls a second (429
beyond, as Slack does). Posted messages are kept with their metadata, and
`conversations.history` / `conversations.replies` read them back as Slack does (metadata
only with `include_all_metadata`, nothing older than `oldest`).
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from aiohttp import WSMsgType, web

from adapters.slack.scopes import BOT_SCOPES

TEAM_ID = "T0REBOUND"
BOT_USER = "U0REBOUNDBOT"
BOT_ID = "B0REBOUNDBOT"
WORKSPACE_URL = "https://rebound-test.slack.com"
MAX_BLOCKS = 50
SECTION_LIMIT = 3000
VIEW_MAX_BLOCKS = 100
MODAL_TITLE_LIMIT = 24
MENU_OPTIONS_MAX = 100
TEXT_INPUT_MAX = 3000
# Fields slack-sdk sends as JSON strings inside form bodies.
JSON_FIELDS = ("blocks", "view", "attachments", "files")
FILE_METHODS = ("files.getUploadURLExternal", "files.completeUploadExternal")


class Arrival(NamedTuple):
    """A call as it arrived, with the message ts it will be given."""

    method: str
    params: dict[str, Any]
    ts: str


@dataclass(frozen=True)
class Call:
    method: str
    params: dict[str, Any]
    status: int
    at: float  # when the call arrived (time.monotonic)
    answer: dict[str, Any] = field(default_factory=dict)
    user_agent: str = ""
    token: str = ""  # the bearer token the call carried (which workspace's bot made it)

    @property
    def channel(self) -> str:
        """Where the call acted: for a post to a member's id, their DM."""
        given = str(self.params.get("channel", ""))
        return dm_of(given) if self.method == "chat.postMessage" else given

    @property
    def ref(self) -> str:
        """The message ref of what a chat.postMessage created (`channel:ts`)."""
        return f"{self.answer['channel']}:{self.answer['ts']}"

    @property
    def words(self) -> str:
        return _all_text(self.params)

    def button(self, label: str) -> str:
        """The action id of the button labelled `label` in this message's blocks."""
        return next(
            str(element["action_id"])
            for block in self.params.get("blocks") or []
            if block["type"] == "actions"
            for element in block["elements"]
            if element["text"]["text"] == label
        )

    def flat(self) -> str:
        """Everything the call carried, as one string (for what-appears-where checks)."""
        return json.dumps(self.params, ensure_ascii=False)


@dataclass(frozen=True)
class Scripted:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def rate_limited(retry_after_s: int = 1) -> Scripted:
    return Scripted(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after_s)})


def server_error() -> Scripted:
    return Scripted(500, {"ok": False, "error": "internal_error"})


class SocketModeScript:
    """The fake's Socket Mode websocket: `hello` on each connection, then every envelope
    given to `push` (once, to whichever connection is open); each ack is recorded."""

    def __init__(self) -> None:
        self.acks: list[dict[str, Any]] = []
        self.connections = 0
        self._outgoing: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._acked = asyncio.Condition()

    def push(self, *envelopes: dict[str, Any]) -> None:
        for envelope in envelopes:
            self._outgoing.put_nowait(envelope)

    def acked_ids(self) -> list[str]:
        return [str(ack["envelope_id"]) for ack in self.acks]

    async def wait_for_acks(self, count: int, timeout_s: float = 30.0) -> None:
        async with asyncio.timeout(timeout_s), self._acked:
            await self._acked.wait_for(lambda: len(self.acks) >= count)

    async def serve(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.connections += 1
        await ws.send_json({"type": "hello", "num_connections": 1})
        sending = asyncio.create_task(self._send(ws))
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    async with self._acked:
                        self.acks.append(json.loads(message.data))
                        self._acked.notify_all()
        finally:
            sending.cancel()
        return ws

    async def _send(self, ws: web.WebSocketResponse) -> None:
        while True:
            envelope = await self._outgoing.get()
            await ws.send_json(envelope)


def envelope(envelope_id: str, payload: dict[str, Any], kind: str = "events_api") -> dict[str, Any]:
    """A Socket Mode envelope as Slack pushes it."""
    return {
        "envelope_id": envelope_id,
        "type": kind,
        "accepts_response_payload": kind != "events_api",
        "retry_attempt": 0,
        "retry_reason": "",
        "payload": payload,
    }


class FakeSlack:
    def __init__(
        self,
        *,
        users: dict[str, dict[str, Any]] | None = None,
        moderators: tuple[str, ...] = (),
        post_limit_per_s: int | None = None,
    ) -> None:
        self.users = users or {}
        self.moderators = moderators
        self.post_limit_per_s = post_limit_per_s
        self.calls: list[Call] = []
        self.scripted: dict[str, list[Scripted]] = {}
        self.refusals: dict[str, list[str]] = {}  # channel -> errors for its next posts
        self.gates: dict[str, asyncio.Event] = {}
        self.answer_gates: dict[str, asyncio.Event] = {}
        self._free_calls: dict[str, int] = {}
        self._free_answers: dict[str, int] = {}
        self._dropped: set[asyncio.Event] = set()
        self.delay_s = 0.0
        self.base_url = ""
        self._last_ts = 0.0
        # Channel messages as Slack holds them, by channel then ts (served by
        # conversations.replies): what the bot posted and what members wrote.
        self.messages: dict[str, dict[str, dict[str, Any]]] = {}
        self.arrived: list[Arrival] = []  # calls as they arrive, before any gate holds them
        self._window: tuple[int, int] = (0, 0)
        self._recorded = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.socket_mode: Callable[[web.Request], Any] | None = None
        self.files: dict[str, dict[str, Any]] = {}  # files.uploadV2, by file id
        # Installs (the block at the end): codes granted, tokens issued, by workspace.
        self.codes: dict[str, tuple[str, str]] = {}
        self.installs: dict[str, dict[str, str]] = {}

    async def start(self) -> str:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_get("/socket", self._socket)
        app.router.add_get("/calls", self._summary)
        app.router.add_post("/upload/{file_id}", self._upload)  # files.uploadV2, below
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.root = f"http://127.0.0.1:{port}"
        self.base_url = f"{self.root}/api/"
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # --- what tests look at ----------------------------------------------------------------

    def of(self, *methods: str) -> list[Call]:
        return [c for c in self.calls if c.method in methods and c.status == 200]

    def posts(self, channel: str | None = None) -> list[Call]:
        return [c for c in self.of("chat.postMessage") if channel in {None, c.channel}]

    def texts(self, channel: str | None = None) -> list[str]:
        return [_all_text(c.params) for c in self.posts(channel)]

    async def wait_for(self, check: Callable[[FakeSlack], bool], timeout_s: float = 10.0) -> None:
        """Until `check(self)` holds (a generous cap turns a hang into a failure)."""
        async with asyncio.timeout(timeout_s), self._recorded:
            await self._recorded.wait_for(lambda: check(self))

    def refuse(self, channel: str, *codes: str) -> None:
        """Answer the next posts to `channel` with these errors (`ok: false`), in order."""
        self.refusals.setdefault(channel, []).extend(codes)

    def script(self, method: str, *answers: Scripted) -> None:
        self.scripted.setdefault(method, []).extend(answers)

    def hold(self, method: str, *, after: int = 0) -> asyncio.Event:
        """Make `method` (from its call number `after` + 1) wait until the event is set."""
        gate = self.gates[method] = asyncio.Event()
        self._free_calls[method] = after
        return gate

    def hold_answer(self, method: str, *, after: int = 0) -> asyncio.Event:
        """Let `method` act (a message is made) but answer only once the event is set."""
        gate = self.answer_gates[method] = asyncio.Event()
        self._free_answers[method] = after
        return gate

    def release(self) -> None:
        """Open every gate and answer every call from now on. Calls still waiting to act
        were sent by a process that is gone: they are dropped, never acted on."""
        self._dropped.update(self.gates.values())
        for gate in (*self.gates.values(), *self.answer_gates.values()):
            gate.set()
        self.gates.clear()
        self.answer_gates.clear()

    def of_unanswered(self, method: str) -> list[Call]:
        """Calls of `method` that acted but were held before their answer."""
        return [c for c in self.calls if c.method == f"{method} (unanswered)"]

    def arrivals(self, method: str) -> int:
        """Calls of `method` received so far, answered or not."""
        return sum(1 for arrival in self.arrived if arrival.method == method)

    def made(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Messages the bot made, answered or not (`posts` lists only answered calls), in
        order, each with its channel, thread_ts and metadata (None when absent)."""
        made = [
            {"channel": where, "thread_ts": None, "metadata": None, **message}
            for where, held in self.messages.items()
            if channel in {None, where}
            for message in held.values()
            if message.get("bot_id") == BOT_ID
        ]
        return sorted(made, key=lambda m: float(m["ts"]))

    # --- the API ----------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        arrived = time.monotonic()
        params = await _params(request)
        ts = self.stamp()  # given on arrival, so a test can know it while the call is held
        async with self._recorded:
            self.arrived.append(Arrival(method, params, ts))
            number = self.arrivals(method)
            self._recorded.notify_all()
        gate = self.gates.get(method)
        if gate is not None and number > self._free_calls.get(method, 0):
            await gate.wait()
            if gate in self._dropped:
                return web.json_response({"ok": False, "error": "dropped"}, status=503)
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        answer = (
            self._scripted(method)
            or self._refused(method, params)
            or self._limited(method)
            or _invalid_blocks(params)
            or _invalid_view(params.get("view"))
            or Scripted(
                200, self._installs(method, params, request) or self._ok(method, params, ts)
            )
        )
        user_agent = request.headers.get("User-Agent", "")
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        answer_gate = self.answer_gates.get(method)
        if answer_gate is not None and number > self._free_answers.get(method, 0):
            unanswered = f"{method} (unanswered)"
            await self._record(Call(unanswered, params, 0, arrived, answer.body, user_agent, token))
            await answer_gate.wait()
        await self._record(
            Call(method, params, answer.status, arrived, answer.body, user_agent, token)
        )
        return web.json_response(answer.body, status=answer.status, headers=answer.headers)

    def _scripted(self, method: str) -> Scripted | None:
        queue = self.scripted.get(method)
        return queue.pop(0) if queue else None

    def _refused(self, method: str, params: dict[str, Any]) -> Scripted | None:
        codes = self.refusals.get(dm_of(str(params.get("channel", ""))))
        if method != "chat.postMessage" or not codes:
            return None
        return Scripted(200, {"ok": False, "error": codes.pop(0)})

    def _limited(self, method: str) -> Scripted | None:
        if method != "chat.postMessage" or self.post_limit_per_s is None:
            return None
        second = int(time.monotonic())
        window, count = self._window
        count = count + 1 if window == second else 1
        self._window = (second, count)
        return rate_limited() if count > self.post_limit_per_s else None

    async def _record(self, call: Call) -> None:
        async with self._recorded:
            self.calls.append(call)
            self._recorded.notify_all()

    def stamp(self) -> str:
        """A new message ts: now, as Slack writes it, and later than every one given before
        (the bot looks for a cut-short try from the time of its attempt)."""
        self._last_ts = max(time.time(), self._last_ts + 0.000001)
        return f"{self._last_ts:.6f}"

    def hold_message(
        self, channel: str, user: str, text: str, thread_ts: str | None = None, ts: str = ""
    ) -> str:
        """A member's message Slack now holds (the test tells the bot, or not: it was away);
        its ts."""
        ts = ts or self.stamp()
        self._keep(channel, {"type": "message", "user": user, "text": text, "ts": ts}, thread_ts)
        return ts

    def _keep(self, channel: str, message: dict[str, Any], thread_ts: str | None) -> None:
        if thread_ts:
            message["thread_ts"] = thread_ts
        self.messages.setdefault(channel, {})[message["ts"]] = message

    def _replies(self, params: dict[str, Any]) -> dict[str, Any]:
        """conversations.replies: the parent, then replies after `oldest`, a page at a time."""
        held = self.messages.get(str(params.get("channel")), {})
        thread_ts = str(params.get("ts"))
        if thread_ts not in held:
            return {"ok": False, "error": "thread_not_found"}
        replies = (m for m in held.values() if m.get("thread_ts") == thread_ts)
        page = _page(params, (m for m in replies if m["ts"] != thread_ts), newest_first=False)
        page["messages"] = [_shown(held[thread_ts], params), *page["messages"]]
        return page

    def _history(self, params: dict[str, Any]) -> dict[str, Any]:
        """conversations.history: the channel's top-level messages after `oldest`, newest
        first, a page at a time."""
        held = self.messages.get(str(params.get("channel")), {})
        top_level = (m for m in held.values() if m.get("thread_ts") in {None, m["ts"]})
        return _page(params, top_level, newest_first=True)

    def _ok(self, method: str, params: dict[str, Any], ts: str) -> dict[str, Any]:
        if method in FILE_METHODS:
            return self._files_api(method, params)
        channel = params.get("channel", "")
        match method:
            case "auth.test":
                return {
                    "ok": True,
                    "team_id": TEAM_ID,
                    "user_id": BOT_USER,
                    "bot_id": BOT_ID,
                    "team": "Rebound test",
                    "url": f"{WORKSPACE_URL}/",
                }
            case "chat.postMessage":
                channel = dm_of(channel)  # a member's id: Slack posts in (and opens) their DM
                posted = {"type": "message", "user": BOT_USER, "bot_id": BOT_ID, "ts": ts}
                if params.get("metadata"):
                    posted["metadata"] = params["metadata"]
                self._keep(
                    channel, {**posted, "text": params.get("text", "")}, params.get("thread_ts")
                )
                return {"ok": True, "channel": channel, "ts": ts, "message": {"ts": ts}}
            case "conversations.history":
                return self._history(params)
            case "conversations.replies":
                return self._replies(params)
            case "chat.postEphemeral":
                return {"ok": True, "message_ts": ts}
            case "chat.update":
                return {"ok": True, "channel": channel, "ts": params.get("ts")}
            case "chat.getPermalink":
                stamp = str(params.get("message_ts", "")).replace(".", "")
                return {"ok": True, "permalink": f"{WORKSPACE_URL}/archives/{channel}/p{stamp}"}
            case "conversations.open":
                return {"ok": True, "channel": {"id": dm_of(str(params.get("users", "")))}}
            case "views.open" | "views.update" | "views.publish":
                return {"ok": True, "view": {"id": f"V{ts}", **(params.get("view") or {})}}
            case "users.info":
                user = self.users.get(str(params.get("user")))
                if user is None:
                    return {"ok": False, "error": "user_not_found"}
                return {"ok": True, "user": user}
            case "usergroups.users.list":
                return {"ok": True, "users": list(self.moderators)}
            case "apps.connections.open":
                return {"ok": True, "url": f"{self.root.replace('http', 'ws')}/socket"}
        return {"ok": True}

    async def _summary(self, _request: web.Request) -> web.Response:
        """Method, channel and status of every call (for a fake run in another process)."""
        return web.json_response([[c.method, c.channel, c.status] for c in self.calls])

    async def _socket(self, request: web.Request) -> web.StreamResponse:
        if self.socket_mode is None:
            self.socket_mode = SocketModeScript().serve
        result: web.StreamResponse = await self.socket_mode(request)
        return result

    # --- files.uploadV2: get an upload URL, upload the bytes there, complete into a channel ---

    def _files_api(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "files.getUploadURLExternal":
            file_id = f"F{len(self.files) + 1:06d}"
            self.files[file_id] = {"name": params.get("filename"), "length": params.get("length")}
            return {"ok": True, "upload_url": f"{self.root}/upload/{file_id}", "file_id": file_id}
        shared = []
        for entry in params.get("files") or []:
            found = self.files.get(str(entry.get("id")), {})
            found.update(channel=params.get("channel_id"), comment=params.get("initial_comment"))
            shared.append({"id": entry.get("id"), "title": entry.get("title")})
        return {"ok": True, "files": shared}

    async def _upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            part = next(iter(form.values()))
            body = part.file.read() if hasattr(part, "file") else str(part).encode()
        else:
            body = await request.read()
        self.files.setdefault(file_id, {})["content"] = body
        return web.Response(text=f"OK - {len(body)}")

    def shared_files(self, channel: str) -> list[dict[str, Any]]:
        """Files completed into `channel`, with their uploaded bytes."""
        return [f for f in self.files.values() if f.get("channel") == channel]

    # --- installs (issue 11): oauth.v2.access, and auth.test per installed token -------------
    # A test grants a code for a workspace (`grant`); the code is exchanged once for that
    # workspace's bot token. auth.test with an installed token answers for its workspace.

    client_id = "1111.2222"
    client_secret = "fake-client-secret"
    rotating = False  # token rotation on: tokens expire and come with a refresh token
    granted_scopes = ",".join(BOT_SCOPES)  # what an installer grants (fewer: an older app)

    def grant(self, team_id: str, installer: str = "U0INSTALLER") -> str:
        """A code Slack hands an installer's browser for `team_id`."""
        code = f"code-{team_id}-{len(self.codes)}"
        self.codes[code] = (team_id, installer)
        return code

    def _installs(
        self, method: str, params: dict[str, Any], request: web.Request
    ) -> dict[str, Any] | None:
        if method == "oauth.v2.access":
            return self._exchange(params, request.headers.get("Authorization", ""))
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if method == "auth.test" and token in self.installs:
            team = self.installs[token]
            return {"ok": True, **team, "url": f"https://{team['team_id']}.slack.com/"}
        return None

    def _exchange(self, params: dict[str, Any], authorization: str) -> dict[str, Any]:
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if authorization != f"Basic {expected}":
            return {"ok": False, "error": "invalid_client_id"}
        if params.get("grant_type") == "refresh_token":
            return self._refresh(str(params.get("refresh_token", "")))
        found = self.codes.pop(str(params.get("code", "")), None)
        if found is None:
            return {"ok": False, "error": "invalid_code"}
        team_id, installer = found
        return {
            "ok": True,
            "app_id": "A0REBOUNDAPP",
            "authed_user": {"id": installer},
            "scope": self.granted_scopes,
            "token_type": "bot",
            "bot_user_id": f"U0BOT{team_id}",
            "team": {"id": team_id, "name": f"Team {team_id}"},
            "enterprise": None,
            "is_enterprise_install": False,
            **self._issue(team_id),
        }

    def _issue(self, team_id: str) -> dict[str, Any]:
        number = len(self.installs)
        token = f"xoxb-{team_id}-{number}-fake"
        self.installs[token] = {
            "team_id": team_id,
            "user_id": f"U0BOT{team_id}",
            "bot_id": f"B0{team_id}",
        }
        if not self.rotating:
            return {"access_token": token}
        return {
            "access_token": token,
            "refresh_token": f"xoxe-1-{team_id}-{number}",
            "expires_in": 43200,
        }

    def _refresh(self, refresh_token: str) -> dict[str, Any]:
        team_id = refresh_token.split("-")[2] if refresh_token.count("-") >= 3 else ""
        if not team_id:
            return {"ok": False, "error": "invalid_refresh_token"}
        return {"ok": True, "token_type": "bot", "team": {"id": team_id}, **self._issue(team_id)}


async def _params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        params.update(await request.json())
    else:
        params.update(await request.post())
    for name in JSON_FIELDS:
        if isinstance(params.get(name), str):
            params[name] = json.loads(params[name])
    return params


def _invalid_blocks(params: dict[str, Any]) -> Scripted | None:
    """Slack's answer to blocks over its limits (50 a message, 3,000 characters a section)."""
    blocks = params.get("blocks") or []
    too_long = any(
        isinstance(block.get("text"), dict) and len(block["text"]["text"]) > SECTION_LIMIT
        for block in blocks
    )
    if len(blocks) > MAX_BLOCKS or too_long:
        return Scripted(200, {"ok": False, "error": "invalid_blocks"})
    return None


def _invalid_view(view: dict[str, Any] | None) -> Scripted | None:
    """Slack's answer to a modal or home tab over its limits (blocks, title, menus, inputs)."""
    if view is None:
        return None
    blocks = view.get("blocks") or []
    titles = [view.get(part, {}).get("text", "") for part in ("title", "submit")]
    elements = [b["element"] for b in blocks if b.get("type") == "input"]
    if (
        len(blocks) > VIEW_MAX_BLOCKS
        or any(len(title) > MODAL_TITLE_LIMIT for title in titles)
        or any(_over_menu_limits(element) for element in elements)
        or any(
            len(element.get("initial_value", "")) > element.get("max_length", TEXT_INPUT_MAX)
            for element in elements
        )
    ):
        return Scripted(200, {"ok": False, "error": "invalid_arguments"})
    return None


def _over_menu_limits(element: dict[str, Any]) -> bool:
    groups = element.get("option_groups") or []
    menus = [element.get("options") or [], groups, *(group["options"] for group in groups)]
    return any(len(menu) > MENU_OPTIONS_MAX for menu in menus)


def _all_text(params: dict[str, Any]) -> str:
    """The words of a posted message: its blocks' texts, or its text field."""
    parts = [
        str(block["text"]["text"])
        for block in params.get("blocks") or []
        if isinstance(block.get("text"), dict)
    ]
    return "\n".join(parts) if parts else str(params.get("text", ""))


def dm_of(channel: str) -> str:
    """The DM a post to `channel` lands in when it is a member's id (Slack's user ids begin
    with U or W); any other channel as it is."""
    return f"D{channel}" if channel[:1] in {"U", "W"} else channel


def member(user_id: str, name: str, *, admin: bool = False) -> dict[str, Any]:
    """A users.info user as Slack returns it."""
    return {
        "id": user_id,
        "team_id": TEAM_ID,
        "name": name.lower().replace(" ", "."),
        "real_name": name,
        "is_admin": admin,
        "is_owner": False,
        "is_bot": False,
        "profile": {"display_name": name, "real_name": name},
    }


def _shown(message: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """A held message as a read returns it: metadata only when asked for."""
    with_metadata = str(params.get("include_all_metadata", "")).lower() in {"1", "true"}
    return message if with_metadata else {k: v for k, v in message.items() if k != "metadata"}


def _page(
    params: dict[str, Any], messages: Iterable[dict[str, Any]], *, newest_first: bool
) -> dict[str, Any]:
    """Messages after `oldest`, in order, cut into pages by `cursor` and `limit`."""
    oldest = float(params.get("oldest") or 0)
    later = sorted(
        (m for m in messages if float(m["ts"]) > oldest),
        key=lambda m: float(m["ts"]),
        reverse=newest_first,
    )
    start, limit = int(params.get("cursor") or 0), int(params.get("limit") or 1000)
    more = start + limit < len(later)
    return {
        "ok": True,
        "messages": [_shown(m, params) for m in later[start : start + limit]],
        "has_more": more,
        "response_metadata": {"next_cursor": str(start + limit) if more else ""},
    }
