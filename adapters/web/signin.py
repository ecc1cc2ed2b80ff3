"""Signing in with the community's own identity, and checking its moderators.

Slack: "Sign in with Slack" (OpenID Connect: `openid.connect.token`, then
`openid.connect.userInfo` names the user and their workspace); a moderator is an admin or
owner, or a member of `SLACK_MODERATORS_GROUP`, exactly as the Slack adapter decides
(adapters/slack/directory.py, with the bot's token for that workspace).

Discord: OAuth2 with `identify guilds.members.read`; for each server Rebound knows, the
member's roles there (`/users/@me/guilds/{guild}/member`); a moderator holds
`DISCORD_MODERATOR_ROLE_ID`, or a role (or ownership) granting Manage Threads, Manage
Server or Administrator, read from the server's roles with the bot's token.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.directory import Directory
from adapters.web.settings import WebSettings
from bot.api import CommunityId, Installations, SecretBox, SecretKeysMissing

log = logging.getLogger(__name__)

SLACK_SCOPES = "openid profile"
DISCORD_SCOPES = "identify guilds.members.read"
ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5
MANAGE_THREADS = 1 << 34
MODERATING = ADMINISTRATOR | MANAGE_GUILD | MANAGE_THREADS
TIMEOUT = aiohttp.ClientTimeout(total=10)
MOST_SERVERS = 25


class SignInFailed(Exception):
    """The platform did not confirm who signed in (a bad code, an error answer)."""


@dataclass(frozen=True)
class Identity:
    user_id: str
    name: str
    platform: str
    # The communities this person moderates, among those Rebound knows.
    moderates: list[str]
    # Communities they belong to without moderating them (for the refusal's wording).
    member_of: list[str]


def authorize_url(settings: WebSettings, platform: str, state: str) -> str:
    if platform == "slack":
        query = {
            "response_type": "code",
            "scope": SLACK_SCOPES,
            "client_id": settings.slack_client_id or "",
            "state": state,
            "nonce": state,
            "redirect_uri": settings.redirect_uri("slack"),
        }
        return f"{settings.slack_authorize_url}?{urlencode(query)}"
    query = {
        "response_type": "code",
        "scope": DISCORD_SCOPES,
        "client_id": settings.discord_client_id or "",
        "state": state,
        "redirect_uri": settings.redirect_uri("discord"),
        "prompt": "none",
    }
    return f"{settings.discord_authorize_url}?{urlencode(query)}"


async def _json(response: aiohttp.ClientResponse) -> dict[str, Any]:
    try:
        found = await response.json(content_type=None)
    except (aiohttp.ContentTypeError, ValueError) as failure:
        raise SignInFailed(f"{response.url.path}: not JSON") from failure
    if not isinstance(found, dict):
        raise SignInFailed(f"{response.url.path}: unexpected answer")
    return found


class SlackSignIn:
    def __init__(self, settings: WebSettings, known: list[str], installations: Any) -> None:
        self._settings = settings
        self._known = known
        self._installations = installations

    def _api(self, method: str) -> str:
        return f"{self._settings.slack_api_url.rstrip('/')}/{method}"

    async def identify(self, http: aiohttp.ClientSession, code: str) -> Identity:
        form = {
            "client_id": self._settings.slack_client_id or "",
            "client_secret": self._settings.slack_client_secret or "",
            "code": code,
            "redirect_uri": self._settings.redirect_uri("slack"),
        }
        async with http.post(self._api("openid.connect.token"), data=form) as answer:
            token = await _json(answer)
        if not token.get("ok") or not token.get("access_token"):
            raise SignInFailed(f"openid.connect.token: {token.get('error', 'refused')}")
        bearer = {"Authorization": f"Bearer {token['access_token']}"}
        async with http.post(self._api("openid.connect.userInfo"), headers=bearer) as answer:
            user = await _json(answer)
        if not user.get("ok"):
            raise SignInFailed(f"openid.connect.userInfo: {user.get('error', 'refused')}")
        user_id = str(user.get("https://slack.com/user_id") or user.get("sub") or "")
        team_id = str(user.get("https://slack.com/team_id") or "")
        if not user_id or not team_id:
            raise SignInFailed("openid.connect.userInfo: no user or team")
        name = str(user.get("name") or user.get("given_name") or user_id)
        community = str(CommunityId.of("slack", team_id))
        if community not in self._known:
            return Identity(user_id, name, "slack", [], [])
        moderator = await self._moderates(community, user_id)
        if moderator:
            return Identity(user_id, name, "slack", [community], [])
        return Identity(user_id, name, "slack", [], [community])

    async def _bot_token(self, community: str) -> str | None:
        if self._settings.slack_bot_token:
            return self._settings.slack_bot_token
        if self._installations is None:
            return None
        installation = await self._installations.find(community)
        return None if installation is None else str(installation.bot_token)

    async def _moderates(self, community: str, user_id: str) -> bool:
        token = await self._bot_token(community)
        if token is None:
            log.warning("web sign-in: no bot token for %s", community)
            return False
        client = AsyncWebClient(token=token, base_url=self._settings.slack_api_url)
        directory = Directory(client, self._settings.slack_moderators_group, lookup_budget_s=5.0)
        return (await directory.member(user_id)).is_moderator


def slack_installations(settings: WebSettings, store: Any) -> Installations | None:
    """Each workspace's bot token, when Rebound is installed in several."""
    if settings.slack_bot_token:
        return None
    try:
        return Installations(store, SecretBox.from_text(settings.secret_keys))
    except SecretKeysMissing:
        return None


class DiscordSignIn:
    def __init__(self, settings: WebSettings, known: list[str]) -> None:
        self._settings = settings
        self._known = known[:MOST_SERVERS]

    def _api(self, path: str) -> str:
        return f"{self._settings.discord_api_url.rstrip('/')}{path}"

    async def identify(self, http: aiohttp.ClientSession, code: str) -> Identity:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self._settings.redirect_uri("discord"),
            "client_id": self._settings.discord_client_id or "",
            "client_secret": self._settings.discord_client_secret or "",
        }
        async with http.post(self._api("/oauth2/token"), data=form) as answer:
            token = await _json(answer)
            if answer.status != 200 or not token.get("access_token"):
                raise SignInFailed(f"oauth2/token: {token.get('error', answer.status)}")
        bearer = {"Authorization": f"Bearer {token['access_token']}"}
        async with http.get(self._api("/users/@me"), headers=bearer) as answer:
            user = await _json(answer)
            if answer.status != 200 or not user.get("id"):
                raise SignInFailed(f"users/@me: {answer.status}")
        user_id = str(user["id"])
        name = str(user.get("global_name") or user.get("username") or user_id)
        moderates, member_of = [], []
        for community in self._known:
            guild = CommunityId.parse(community).native
            path = f"/users/@me/guilds/{guild}/member"
            async with http.get(self._api(path), headers=bearer) as answer:
                if answer.status != 200:
                    continue
                member = await _json(answer)
            roles = {str(role) for role in member.get("roles") or []}
            if await self._moderates(http, guild, user_id, roles):
                moderates.append(community)
            else:
                member_of.append(community)
        return Identity(user_id, name, "discord", moderates, member_of)

    async def _moderates(
        self, http: aiohttp.ClientSession, guild: str, user_id: str, roles: set[str]
    ) -> bool:
        if self._settings.discord_moderator_role_id in roles:
            return True
        bot = {"Authorization": f"Bot {self._settings.discord_token}"}
        async with http.get(self._api(f"/guilds/{guild}"), headers=bot) as answer:
            server = await _json(answer) if answer.status == 200 else {}
        if str(server.get("owner_id", "")) == user_id:
            return True
        async with http.get(self._api(f"/guilds/{guild}/roles"), headers=bot) as answer:
            if answer.status != 200:
                log.warning("web sign-in: roles of a server unreadable (%d)", answer.status)
                return False
            listed = await answer.json(content_type=None)
        granted = 0
        for role in listed if isinstance(listed, list) else []:
            if str(role.get("id")) in roles or str(role.get("id")) == guild:
                granted |= int(role.get("permissions") or 0)
        return bool(granted & MODERATING)
