"""`rebound doctor`'s checks: each returns verdicts, one per thing checked, with the fix.

Settings are read from the environment as the adapters read them. Nothing printed holds a
token, a secret or a member: only names of settings, ids of places and error codes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
from pydantic import BaseModel, ValidationError
from pydantic_settings import BaseSettings
from slack_sdk.errors import SlackApiError

from adapters.discord.config import DiscordSettings
from adapters.slack.config import SlackSettings
from adapters.slack.scopes import BOT_SCOPES
from adapters.slack.web import web_client
from bot.api import ContentError, CoreSettings, create_engine, load_content, schema_state

TIMEOUT_S = 10
# Discord application flags: the privileged intents, granted (or "limited", under 100 guilds).
GATEWAY_GUILD_MEMBERS = (1 << 14) | (1 << 15)
GATEWAY_MESSAGE_CONTENT = (1 << 18) | (1 << 19)
FORUM_CHANNEL = 15

S = TypeVar("S", bound=BaseSettings)


@dataclass(frozen=True)
class Verdict:
    check: str
    ok: bool
    detail: str
    fix: str = ""


def passed(check: str, detail: str) -> Verdict:
    return Verdict(check, True, detail)


def failed(check: str, detail: str, fix: str) -> Verdict:
    return Verdict(check, False, detail, fix)


def settings_of(kind: type[S], prefix: str, check: str) -> tuple[S | None, Verdict]:
    """The settings, or a verdict naming the variables missing or malformed."""
    try:
        settings = kind()  # required values come from env
    except ValidationError as problem:
        names = sorted({f"{prefix}{str(e['loc'][0]).upper()}" for e in problem.errors()})
        return None, failed(check, f"missing or invalid: {', '.join(names)}", "set them")
    # Settings whose needs depend on the mode (one workspace, or installed by OAuth).
    lacking: list[str] = settings.missing() if hasattr(settings, "missing") else []
    if lacking:
        return None, failed(check, f"missing or invalid: {', '.join(lacking)}", "set them")
    return settings, passed(check, "parsed")


async def database(url: str) -> Verdict:

    engine = create_engine(url)
    try:
        state = await schema_state(engine)
    except Exception as failure:  # any driver error: not reachable
        return failed(
            "database",
            f"unreachable ({type(failure).__name__})",
            "check REBOUND_DATABASE_URL and that the database is up",
        )
    finally:
        await engine.dispose()
    if not state.at_head:
        return failed(
            "database",
            f"reachable, at migration {state.current or 'none'}, newest is {state.head}",
            "run `rebound migrate`",
        )
    return passed("database", f"reachable, at the newest migration ({state.head})")


def content(overrides: Path | None) -> Verdict:

    try:
        loaded = load_content(overrides=overrides)
    except ContentError as problem:
        return failed(
            "content", str(problem), "fix the file and line named (rebound content check)"
        )
    return passed("content", f"valid ({', '.join(loaded.locales)})")


# --- Slack ------------------------------------------------------------------------------


async def slack(settings: Any) -> list[Verdict]:
    """auth.test with the bot token, its scopes against the manifest's, and the channels."""

    async with aiohttp.ClientSession() as session:
        client = web_client(settings.bot_token, settings.web_api_url, session)
        try:
            identity = await client.auth_test()
        except SlackApiError as refused:
            error = str(refused.response.get("error") or refused.response.status_code)
            return [
                failed(
                    "slack token",
                    f"refused by Slack ({error})",
                    "reinstall the app and copy its Bot User OAuth Token into SLACK_BOT_TOKEN",
                )
            ]
        except (aiohttp.ClientError, TimeoutError) as failure:
            return [
                failed(
                    "slack token",
                    f"Slack could not be reached ({type(failure).__name__})",
                    "check SLACK_API_URL and the network",
                )
            ]
        verdicts = [passed("slack token", f"valid for workspace {identity.get('team_id')}")]
        headers = {k.lower(): v for k, v in (identity.headers or {}).items()}
        granted = {s.strip() for s in str(headers.get("x-oauth-scopes", "")).split(",")}
        missing = sorted(set(BOT_SCOPES) - granted)
        verdicts.append(
            failed(
                "slack scopes",
                f"missing {', '.join(missing)}",
                "add them as in deploy/slack-manifest.yaml and reinstall the app",
            )
            if missing
            else passed("slack scopes", f"all {len(BOT_SCOPES)} the manifest asks")
        )
        channels = [("support channel", settings.support_channel, "SLACK_SUPPORT_CHANNEL")]
        if settings.helpers_channel:
            channels.append(("helpers channel", settings.helpers_channel, "SLACK_HELPERS_CHANNEL"))
        for what, channel, setting in channels:
            verdicts.append(await _slack_channel(client, what, channel, setting))
        return verdicts


async def _slack_channel(client: Any, what: str, channel: str, setting: str) -> Verdict:

    check = f"slack {what}"
    try:
        found = await client.conversations_info(channel=channel)
    except SlackApiError as refused:
        error = str(refused.response.get("error") or refused.response.status_code)
        return failed(
            check,
            f"{channel} not visible to the bot ({error})",
            f"check {setting} (a channel id) and /invite the bot there",
        )
    info = found.get("channel") or {}
    if info.get("is_archived"):
        return failed(check, f"{channel} is archived", "unarchive it or pick another channel")
    return passed(check, f"{channel} visible")


# --- Discord ----------------------------------------------------------------------------


async def discord(settings: Any) -> list[Verdict]:
    """The bot token, the privileged intents the code asks, the forum, channels and role."""
    api = settings.api_url.rstrip("/")
    headers = {"Authorization": f"Bot {settings.token.get_secret_value()}"}
    timeout = aiohttp.ClientTimeout(total=TIMEOUT_S)
    async with aiohttp.ClientSession(headers=headers, timeout=timeout) as http:

        async def get(path: str) -> tuple[int, Any]:
            async with http.get(f"{api}{path}") as response:
                body = await response.json(content_type=None)
                return response.status, body

        try:
            status, me = await get("/users/@me")
        except (aiohttp.ClientError, TimeoutError) as failure:
            return [
                failed(
                    "discord token",
                    f"Discord could not be reached ({type(failure).__name__})",
                    "check DISCORD_API_URL and the network",
                )
            ]
        if status != 200:
            return [
                failed(
                    "discord token",
                    f"refused by Discord (HTTP {status})",
                    "copy the bot token from the Developer Portal into DISCORD_TOKEN",
                )
            ]
        verdicts = [passed("discord token", f"valid for bot {me.get('id')}")]
        status, application = await get("/oauth2/applications/@me")
        verdicts.append(_intents(int(application.get("flags") or 0) if status == 200 else 0))
        verdicts.extend(await _discord_places(get, settings))
        return verdicts


def _intents(flags: int) -> Verdict:
    missing = [
        name
        for name, bits in (
            ("Server Members", GATEWAY_GUILD_MEMBERS),
            ("Message Content", GATEWAY_MESSAGE_CONTENT),
        )
        if not flags & bits
    ]
    if missing:
        return failed(
            "discord intents",
            f"not enabled: {', '.join(missing)}",
            "enable them under Bot > Privileged Gateway Intents in the Developer Portal",
        )
    return passed("discord intents", "Server Members and Message Content enabled")


async def _discord_places(get: Callable[[str], Any], settings: Any) -> list[Verdict]:
    verdicts: list[Verdict] = []
    status, forum = await get(f"/channels/{settings.support_forum_id}")
    if status != 200:
        verdicts.append(
            failed(
                "discord support forum",
                f"{settings.support_forum_id} not visible to the bot (HTTP {status})",
                "check DISCORD_SUPPORT_FORUM_ID and the bot's View Channel permission",
            )
        )
        return verdicts
    if forum.get("type") != FORUM_CHANNEL:
        verdicts.append(
            failed(
                "discord support forum",
                f"{settings.support_forum_id} is not a forum channel",
                "point DISCORD_SUPPORT_FORUM_ID at a forum channel",
            )
        )
    else:
        verdicts.append(passed("discord support forum", f"{settings.support_forum_id} visible"))
    guild = forum.get("guild_id")
    if settings.helpers_channel_id is not None:
        status, _ = await get(f"/channels/{settings.helpers_channel_id}")
        verdicts.append(
            passed("discord helpers channel", f"{settings.helpers_channel_id} visible")
            if status == 200
            else failed(
                "discord helpers channel",
                f"{settings.helpers_channel_id} not visible to the bot (HTTP {status})",
                "check DISCORD_HELPERS_CHANNEL_ID and the bot's permissions there",
            )
        )
    if settings.moderator_role_id is not None:
        status, roles = await get(f"/guilds/{guild}/roles")
        ids = {str(r.get("id")) for r in roles} if status == 200 else set()
        verdicts.append(
            passed("discord moderator role", f"{settings.moderator_role_id} exists")
            if str(settings.moderator_role_id) in ids
            else failed(
                "discord moderator role",
                f"{settings.moderator_role_id} not found in server {guild}",
                "check DISCORD_MODERATOR_ROLE_ID (Server Settings > Roles, copy the id)",
            )
        )
    return verdicts


async def run_all(environ: dict[str, str]) -> list[Verdict]:
    """Every check the environment calls for, in order."""

    core, verdict = settings_of(CoreSettings, "REBOUND_", "core settings")
    verdicts = [verdict]
    platforms: list[tuple[type[BaseModel], str, str, Any]] = []
    if "SLACK_BOT_TOKEN" in environ:
        platforms.append((SlackSettings, "SLACK_", "slack settings", slack))
    if "DISCORD_TOKEN" in environ:
        platforms.append((DiscordSettings, "DISCORD_", "discord settings", discord))
    if not platforms:
        verdicts.append(
            failed(
                "platform",
                "neither SLACK_BOT_TOKEN nor DISCORD_TOKEN is set",
                "configure Slack (docs/slack.md) or Discord (docs/discord.md)",
            )
        )
    if core is not None:
        verdicts.append(await database(core.database_url))
        verdicts.append(await asyncio.to_thread(content, core.content_dir))
    for kind, prefix, name, check in platforms:
        settings, verdict = settings_of(kind, prefix, name)  # type: ignore[type-var]
        verdicts.append(verdict)
        if settings is not None:
            verdicts.extend(await check(settings))
    return verdicts
