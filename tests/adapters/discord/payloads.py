"""Discord payloads shaped as Discord sends them (gateway dispatches and interactions).

Written for these tests from Discord's documented shapes; ids are strings, as on the wire.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

GUILD_ID = 710000000000000001
FORUM_ID = 710000000000000002
HELPERS_ID = 710000000000000003
GENERAL_ID = 710000000000000004
MOD_ROLE_ID = 710000000000000005
APP_ID = 710000000000000009
BOT_ID = 710000000000000009
TIMESTAMP = "2026-03-02T09:00:00.000000+00:00"
EVERYONE_PERMISSIONS = "1024"  # view channel
ALL_PERMISSIONS = "2251799813685247"

DISCORD_EPOCH_MS = 1_420_070_400_000
_INCREMENT = 1 << 22
_ids = itertools.count()


def snowflake() -> str:
    """A new id, made from the time as Discord's are (so `after=` a time finds it); the
    low bits count, so ids made in one millisecond still grow."""
    millis = int(time.time() * 1000) - DISCORD_EPOCH_MS
    return str(millis * _INCREMENT + next(_ids) % _INCREMENT)


def user(user_id: int, name: str, *, bot: bool = False) -> dict[str, Any]:
    return {
        "id": str(user_id),
        "username": name.lower().replace(" ", ""),
        "global_name": name,
        "discriminator": "0",
        "avatar": None,
        "public_flags": 0,
        "bot": bot,
    }


def member(user_id: int, name: str, roles: tuple[int, ...] = ()) -> dict[str, Any]:
    return {
        "user": user(user_id, name),
        "roles": [str(r) for r in roles],
        "nick": None,
        "joined_at": TIMESTAMP,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "avatar": None,
        "premium_since": None,
        "communication_disabled_until": None,
    }


def forum_tag(tag_id: int | str, name: str) -> dict[str, Any]:
    return {
        "id": str(tag_id),
        "name": name,
        "moderated": False,
        "emoji_id": None,
        "emoji_name": None,
    }


def forum_channel(tags: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": str(FORUM_ID),
        "type": 15,
        "guild_id": str(GUILD_ID),
        "name": "support",
        "position": 1,
        "permission_overwrites": [],
        "nsfw": False,
        "parent_id": None,
        "topic": None,
        "rate_limit_per_user": 0,
        "flags": 0,
        "available_tags": tags,
        "default_reaction_emoji": None,
        "default_sort_order": None,
        "default_forum_layout": 0,
        "default_thread_rate_limit_per_user": 0,
        "last_message_id": None,
    }


def text_channel(channel_id: int, name: str) -> dict[str, Any]:
    return {
        "id": str(channel_id),
        "type": 0,
        "guild_id": str(GUILD_ID),
        "name": name,
        "position": 2,
        "permission_overwrites": [],
        "nsfw": False,
        "parent_id": None,
        "topic": None,
        "rate_limit_per_user": 0,
        "last_message_id": None,
    }


def thread(
    thread_id: int | str, name: str, owner_id: int, tags: list[str] | None = None
) -> dict[str, Any]:
    return {
        "id": str(thread_id),
        "type": 11,
        "guild_id": str(GUILD_ID),
        "parent_id": str(FORUM_ID),
        "name": name,
        "owner_id": str(owner_id),
        "last_message_id": str(thread_id),
        "rate_limit_per_user": 0,
        "message_count": 0,
        "member_count": 1,
        "total_message_sent": 0,
        "flags": 0,
        "applied_tags": tags or [],
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": 4320,
            "archive_timestamp": TIMESTAMP,
            "locked": False,
            "create_timestamp": TIMESTAMP,
        },
    }


def role(role_id: int, name: str, permissions: str) -> dict[str, Any]:
    return {
        "id": str(role_id),
        "name": name,
        "permissions": permissions,
        "position": 0 if role_id == GUILD_ID else 1,
        "color": 0,
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }


def message(
    message_id: int | str,
    channel_id: int | str,
    author: dict[str, Any],
    content: str,
    *,
    guild: bool = True,
    components: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": str(message_id),
        "channel_id": str(channel_id),
        "type": 0,
        "content": content,
        "author": author,
        "timestamp": TIMESTAMP,
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": False,
        "flags": 0,
        "components": components or [],
    }
    if guild:
        payload["guild_id"] = str(GUILD_ID)
    return payload


def guild_message(
    message_id: int | str, channel_id: int | str, who: dict[str, Any], content: str
) -> dict[str, Any]:
    """MESSAGE_CREATE in a guild channel: the author, plus their member without `user`."""
    payload = message(message_id, channel_id, who["user"], content)
    payload["member"] = {k: v for k, v in who.items() if k != "user"}
    return payload


def _interaction(
    kind: int,
    who: dict[str, Any],
    data: dict[str, Any],
    *,
    permissions: str = EVERYONE_PERMISSIONS,
    channel_id: int = GENERAL_ID,
    in_dm: bool = False,
    interaction_id: str | None = None,
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": interaction_id or snowflake(),
        "application_id": str(APP_ID),
        "type": kind,
        "data": data,
        "channel_id": str(channel_id),
        "token": f"interaction-token-{snowflake()}",
        "version": 1,
        "locale": "en-GB",
        "app_permissions": ALL_PERMISSIONS,
        "attachment_size_limit": 10485760,
        "entitlements": [],
        "authorizing_integration_owners": {"0": str(GUILD_ID)},
        "context": 1 if in_dm else 0,
    }
    if in_dm:
        payload["user"] = who["user"]
        payload["channel"] = {"id": str(channel_id), "type": 1}
    else:
        payload["guild_id"] = str(GUILD_ID)
        payload["guild_locale"] = "en-GB"
        payload["member"] = {**who, "permissions": permissions}
        payload["channel"] = (
            text_channel(channel_id, "general")
            if channel_id in (GENERAL_ID, HELPERS_ID)
            else thread(channel_id, "a post", BOT_ID)
        )
    return payload


def slash_command(
    who: dict[str, Any], name: str, options: dict[str, Any] | None = None, **kwargs: Any
) -> dict[str, Any]:
    kinds = {bool: 5, str: 3}
    data = {
        "id": snowflake(),
        "name": name,
        "type": 1,
        "options": [
            {"name": key, "type": kinds[type(value)], "value": value}
            for key, value in (options or {}).items()
        ],
    }
    return _interaction(2, who, data, **kwargs)


def message_command(
    who: dict[str, Any], name: str, target: dict[str, Any], **kwargs: Any
) -> dict[str, Any]:
    data = {
        "id": snowflake(),
        "name": name,
        "type": 3,
        "target_id": target["id"],
        "resolved": {"messages": {target["id"]: target}},
    }
    return _interaction(2, who, data, channel_id=int(target["channel_id"]), **kwargs)


def button_press(
    who: dict[str, Any], custom_id: str, on_message: dict[str, Any], **kwargs: Any
) -> dict[str, Any]:
    payload = _interaction(3, who, {"custom_id": custom_id, "component_type": 2}, **kwargs)
    payload["message"] = on_message
    return payload


def modal_submit(
    who: dict[str, Any], custom_id: str, values: dict[str, Any], **kwargs: Any
) -> dict[str, Any]:
    """Label-wrapped components, as Discord sends a modal's fields back."""

    def leaf(name: str, value: Any) -> dict[str, Any]:
        if isinstance(value, list):
            return {"type": 3, "id": 2, "custom_id": name, "values": value}
        if isinstance(value, bool):
            return {"type": 23, "id": 2, "custom_id": name, "value": value}
        return {"type": 4, "id": 2, "custom_id": name, "value": value}

    components = [
        {"type": 18, "id": n, "component": leaf(name, value)}
        for n, (name, value) in enumerate(values.items(), start=1)
    ]
    return _interaction(5, who, {"custom_id": custom_id, "components": components}, **kwargs)


def reaction_add(
    who: dict[str, Any], channel_id: int | str, message_id: int | str, emoji: str
) -> dict[str, Any]:
    return {
        "user_id": who["user"]["id"],
        "channel_id": str(channel_id),
        "message_id": str(message_id),
        "guild_id": str(GUILD_ID),
        "member": who,
        "emoji": {"id": None, "name": emoji},
        "burst": False,
        "type": 0,
    }


def reaction_remove(
    who: dict[str, Any], channel_id: int | str, message_id: int | str, emoji: str
) -> dict[str, Any]:
    """As MESSAGE_REACTION_ADD, but Discord sends no `member` with a removal."""
    payload = reaction_add(who, channel_id, message_id, emoji)
    del payload["member"]
    return payload


GENERAL_ID_STR = str(GENERAL_ID)


SUBCOMMAND = 1


def rebound(who: dict[str, Any], sub: str, **options: str) -> dict[str, Any]:
    """`/rebound <sub> option:value ...` as Discord sends a group's subcommand."""
    payload = slash_command(who, "rebound")
    inner = [{"name": k, "type": 3, "value": v} for k, v in options.items()]
    payload["data"]["options"] = [{"name": sub, "type": SUBCOMMAND, "options": inner}]
    return payload
