"""Local fakes of the sign-in endpoints of Slack (OpenID Connect, plus the Web API calls
that decide who moderates) and Discord (OAuth2, the member's roles, the server's roles).

One aiohttp server on 127.0.0.1, port 0. A test says who the next person to sign in is
(`signing_in`): the fake "authorize" page sends the browser straight back with a code for
them, as the platform would once they consent. Codes and tokens are single-use and checked
against the client id, secret and redirect URL the page must send.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

CLIENT_ID = "client-123"
CLIENT_SECRET = "client-secret-456"
SLACK_BOT_TOKEN = "xoxb-web-test"
DISCORD_BOT_TOKEN = "discord-bot-token"
MODERATORS_GROUP = "S-MODS"
MANAGE_THREADS = 1 << 34


@dataclass
class SlackUser:
    user_id: str
    team_id: str
    name: str
    admin: bool = False


@dataclass
class DiscordUser:
    user_id: str
    name: str
    # guild id -> role ids the member holds there
    guilds: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class FakeOAuth:
    slack_users: dict[str, SlackUser] = field(default_factory=dict)
    slack_group: list[str] = field(default_factory=list)
    discord_users: dict[str, DiscordUser] = field(default_factory=dict)
    # guild id -> its roles (id, permissions) and owner
    discord_roles: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    discord_owner: dict[str, str] = field(default_factory=dict)
    signing_in: str = ""
    redirect_base: str = ""
    codes: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    base_url: str = ""
    _runner: web.AppRunner | None = None

    # --- the browser's side ----------------------------------------------------------------

    async def _authorize(self, request: web.Request) -> web.Response:
        query = request.query
        platform = request.match_info["platform"]
        self.calls.append(f"{platform}:authorize")
        if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
            return web.Response(status=400, text="bad client")
        code = secrets.token_hex(8)
        self.codes[code] = self.signing_in
        back = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
        return web.Response(status=302, headers={"Location": back})

    def _exchange(self, form: Any, platform: str) -> str | None:
        expected = f"{self.redirect_base}/auth/{platform}/callback"
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return None
        if form.get("redirect_uri") != expected:
            return None
        user = self.codes.pop(str(form.get("code", "")), None)
        if user is None:
            return None
        token = secrets.token_hex(12)
        self.tokens[token] = user
        return token

    def _bearer(self, request: web.Request) -> str | None:
        header = request.headers.get("Authorization", "")
        return self.tokens.get(header.removeprefix("Bearer "))

    # --- Slack -----------------------------------------------------------------------------

    async def _slack(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self.calls.append(f"slack:{method}")
        form = {**request.query, **(await request.post())}
        if method == "openid.connect.token":
            token = self._exchange(form, "slack")
            if token is None:
                return web.json_response({"ok": False, "error": "invalid_code"})
            return web.json_response({"ok": True, "access_token": token, "id_token": "x.y.z"})
        if method == "openid.connect.userInfo":
            user = self.slack_users.get(self._bearer(request) or "")
            if user is None:
                return web.json_response({"ok": False, "error": "invalid_auth"})
            return web.json_response(
                {
                    "ok": True,
                    "sub": user.user_id,
                    "https://slack.com/user_id": user.user_id,
                    "https://slack.com/team_id": user.team_id,
                    "name": user.name,
                }
            )
        if request.headers.get("Authorization") != f"Bearer {SLACK_BOT_TOKEN}":
            return web.json_response({"ok": False, "error": "invalid_auth"})
        if method == "usergroups.users.list":
            if form.get("usergroup") != MODERATORS_GROUP:
                return web.json_response({"ok": False, "error": "no_such_subteam"})
            return web.json_response({"ok": True, "users": self.slack_group})
        if method == "users.info":
            user = self.slack_users.get(str(form.get("user", "")))
            if user is None:
                return web.json_response({"ok": False, "error": "user_not_found"})
            profile = {"display_name": user.name}
            answer = {"id": user.user_id, "profile": profile, "is_admin": user.admin}
            return web.json_response({"ok": True, "user": answer})
        return web.json_response({"ok": False, "error": "unknown_method"})

    # --- Discord ---------------------------------------------------------------------------

    async def _discord_token(self, request: web.Request) -> web.Response:
        self.calls.append("discord:token")
        form = await request.post()
        if form.get("grant_type") != "authorization_code":
            return web.json_response({"error": "unsupported_grant_type"}, status=400)
        token = self._exchange(form, "discord")
        if token is None:
            return web.json_response({"error": "invalid_grant"}, status=400)
        return web.json_response({"access_token": token, "token_type": "Bearer"})

    async def _discord_me(self, request: web.Request) -> web.Response:
        user = self.discord_users.get(self._bearer(request) or "")
        if user is None:
            return web.json_response({"message": "401: Unauthorized"}, status=401)
        return web.json_response({"id": user.user_id, "username": user.name})

    async def _discord_member(self, request: web.Request) -> web.Response:
        user = self.discord_users.get(self._bearer(request) or "")
        guild = request.match_info["guild"]
        if user is None:
            return web.json_response({"message": "401: Unauthorized"}, status=401)
        if guild not in user.guilds:
            return web.json_response({"message": "Unknown Guild", "code": 10004}, status=404)
        return web.json_response({"roles": user.guilds[guild], "user": {"id": user.user_id}})

    def _bot(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bot {DISCORD_BOT_TOKEN}"

    async def _discord_guild(self, request: web.Request) -> web.Response:
        guild = request.match_info["guild"]
        if not self._bot(request) or guild not in self.discord_roles:
            return web.json_response({"message": "Missing Access"}, status=403)
        return web.json_response({"id": guild, "owner_id": self.discord_owner.get(guild, "0")})

    async def _discord_roles(self, request: web.Request) -> web.Response:
        guild = request.match_info["guild"]
        if not self._bot(request) or guild not in self.discord_roles:
            return web.json_response({"message": "Missing Access"}, status=403)
        return web.json_response(self.discord_roles[guild])

    # --- running ---------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/{platform}/authorize", self._authorize)
        app.router.add_route("*", "/slack/api/{method}", self._slack)
        app.router.add_post("/discord/api/oauth2/token", self._discord_token)
        app.router.add_get("/discord/api/users/@me", self._discord_me)
        app.router.add_get("/discord/api/users/@me/guilds/{guild}/member", self._discord_member)
        app.router.add_get("/discord/api/guilds/{guild}", self._discord_guild)
        app.router.add_get("/discord/api/guilds/{guild}/roles", self._discord_roles)
        return app

    async def start(self) -> str:
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.base_url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
