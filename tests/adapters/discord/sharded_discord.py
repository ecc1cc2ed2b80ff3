"""The fake Discord with two servers and a gateway per shard, as Discord shards a bot.

Each gateway connection identifies as one shard `[shard_id, shard_count]`; as on Discord, a
shard is told of (READY, GUILD_CREATE) and receives the events of only the guilds it owns,
`(guild_id >> 22) % shard_count == shard_id`, and direct messages go to shard 0. REST is
one API for every shard; each call is noted with the token it came with, so a test tells
which process made it (each shard's process gets its own token).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.adapters.discord import payloads as p
from tests.adapters.discord.fake_discord import FakeDiscord, _thread_member

SHARDS = 2
SECOND_GUILD = p.GUILD_ID + (1 << 22)  # the other shard's
SECOND_FORUM = SECOND_GUILD + 1
SECOND_HELPERS = SECOND_GUILD + 2


def shard_of(guild_id: int) -> int:
    return (guild_id >> 22) % SHARDS


@dataclass(frozen=True)
class Server:
    guild_id: int
    forum_id: int
    helpers_id: int
    name: str


SERVERS = (
    Server(p.GUILD_ID, p.FORUM_ID, p.HELPERS_ID, "Interview Club"),
    Server(SECOND_GUILD, SECOND_FORUM, SECOND_HELPERS, "Second Chances"),
)
assert {shard_of(s.guild_id) for s in SERVERS} == set(range(SHARDS)), "one server a shard"


def in_guild(payload: dict[str, Any], guild_id: int) -> dict[str, Any]:
    """`payload` (built for the first server by payloads.py) moved to `guild_id`."""
    moved = {**payload, "guild_id": str(guild_id)}
    if "authorizing_integration_owners" in moved:
        moved["authorizing_integration_owners"] = {"0": str(guild_id)}
    if isinstance(moved.get("channel"), dict):
        moved["channel"] = {**moved["channel"], "guild_id": str(guild_id)}
    return moved


@dataclass
class ShardedDiscord(FakeDiscord):
    calls_by_token: list[tuple[str, str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__post_init__()
        self._shards: dict[int, web.WebSocketResponse] = {}
        self._shard_seq: dict[int, int] = {}
        forum = {**p.forum_channel([]), "id": str(SECOND_FORUM)}
        self.channels[str(SECOND_FORUM)] = in_guild(forum, SECOND_GUILD)
        helpers = p.text_channel(SECOND_HELPERS, "helpers")
        self.channels[str(SECOND_HELPERS)] = in_guild(helpers, SECOND_GUILD)

    async def start(self) -> None:
        # As FakeDiscord's, with each REST call's token noted: which shard's process made it.
        app = web.Application(middlewares=[self._note_token])
        app.router.add_get("/gateway-ws", self._gateway)
        app.router.add_route("*", "/api/v10/{path:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.base = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    @web.middleware
    async def _note_token(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        token = request.headers.get("Authorization", "").removeprefix("Bot ")
        self.calls_by_token.append((request.method, request.path, token))
        return await handler(request)

    # --- the gateway, one connection a shard -------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 3_600_000}}))
        async for frame in ws:
            if frame.type is not WSMsgType.TEXT:
                break
            data = json.loads(frame.data)
            if data["op"] == 1:
                await ws.send_str(json.dumps({"op": 11}))
            elif data["op"] == 2:
                shard_id, count = data["d"]["shard"]
                assert count == SHARDS, "every process runs one of two shards"
                self._shards[shard_id] = ws
                await self._identify_shard(shard_id)
        return ws

    async def _identify_shard(self, shard_id: int) -> None:
        owned = [s for s in SERVERS if shard_of(s.guild_id) == shard_id]
        ready = {
            "v": 10,
            "user": self.bot,
            "guilds": [{"id": str(s.guild_id), "unavailable": True} for s in owned],
            "session_id": f"fake-session-{shard_id}",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(p.APP_ID), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "shard": [shard_id, SHARDS],
        }
        await self._send(shard_id, "READY", ready)
        for server in owned:
            await self._send(shard_id, "GUILD_CREATE", self.server(server))
        self.identified.set()

    def server(self, server: Server) -> dict[str, Any]:
        """GUILD_CREATE of `server`: the first server's shape, its own id and channels."""
        payload = {**self.guild(), "id": str(server.guild_id), "name": server.name}
        payload["roles"] = [
            p.role(server.guild_id, "@everyone", p.EVERYONE_PERMISSIONS),
            p.role(p.MOD_ROLE_ID + server.guild_id - p.GUILD_ID, "Moderators", "0"),
        ]
        own = [c for c in self.channels.values() if c.get("guild_id") == str(server.guild_id)]
        payload["channels"] = [c for c in own if c["type"] in (0, 15)]
        payload["threads"] = [c for c in own if c["type"] == 11]
        return payload

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """To the shard owning the event's guild (direct messages: shard 0)."""
        if event == "MESSAGE_CREATE":
            self.messages[data["id"]] = data
        guild = data.get("guild_id")
        await self._send(shard_of(int(guild)) if guild else 0, event, data)

    async def _send(self, shard_id: int, event: str, data: dict[str, Any]) -> None:
        # As Discord does, an event for a shard still (re)connecting waits for its session.
        async with asyncio.timeout(60):
            while shard_id not in self._shards:  # noqa: ASYNC110 - the gateway handler sets it
                await asyncio.sleep(0.05)
        ws = self._shards[shard_id]
        self._shard_seq[shard_id] = self._shard_seq.get(shard_id, 0) + 1
        frame = {"op": 0, "t": event, "s": self._shard_seq[shard_id], "d": data}
        await ws.send_str(json.dumps(frame))

    async def stop(self) -> None:
        for ws in self._shards.values():
            await ws.close()
        await super().stop()

    # --- REST where the second server differs -------------------------------------------

    def _create_thread(self, body: dict[str, Any], forum_id: str) -> tuple[int, Any]:
        guild_id = self.channels[forum_id]["guild_id"]
        thread_id = p.snowflake()
        tags = [str(t) for t in body.get("applied_tags", [])]
        thread = {
            **p.thread(thread_id, body["name"], p.BOT_ID, tags),
            "guild_id": guild_id,
            "parent_id": forum_id,
        }
        self.channels[thread_id] = thread
        message = self._new_message(thread_id, body.get("message", {}), message_id=thread_id)
        message["guild_id"] = guild_id
        created = {**thread, "newly_created": True, "member": _thread_member(thread_id)}
        self._background(self.dispatch("THREAD_CREATE", created))
        return 201, {**thread, "message": message}

    def _new_message(
        self, channel_id: str, body: dict[str, Any], message_id: str | None = None
    ) -> dict[str, Any]:
        message = super()._new_message(channel_id, body, message_id)
        guild_id = self.channels.get(channel_id, {}).get("guild_id")
        if guild_id is not None:
            message["guild_id"] = guild_id
        return message

    def threads_in(self, forum_id: int) -> list[dict[str, Any]]:
        return [c for c in self.channels.values() if c.get("parent_id") == str(forum_id)]

    def tokens_calling(self, path_part: str) -> set[str]:
        """The tokens of the processes whose REST calls' paths hold `path_part`."""
        return {token for _m, path, token in self.calls_by_token if path_part in path}
