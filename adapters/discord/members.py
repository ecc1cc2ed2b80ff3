"""Who acts: a Discord user or member as the core's `Member`."""

from __future__ import annotations

import discord

from bot.api import Member


def member_of(
    user: discord.User | discord.Member,
    moderator_role_id: int | None,
    permissions: discord.Permissions | None = None,
) -> Member:
    """Moderators hold the configured role or may manage threads (`permissions` are the
    channel's as an interaction resolves them; otherwise the member's guild-wide ones)."""
    return Member(
        user_id=str(user.id),
        display_name=user.display_name,
        is_moderator=is_moderator(user, moderator_role_id, permissions),
    )


def is_moderator(
    user: discord.User | discord.Member,
    moderator_role_id: int | None,
    permissions: discord.Permissions | None = None,
) -> bool:
    if not isinstance(user, discord.Member):
        return False
    if moderator_role_id is not None and any(role.id == moderator_role_id for role in user.roles):
        return True
    return (permissions or user.guild_permissions).manage_threads
