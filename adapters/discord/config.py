"""The Discord adapter's settings, from the environment (and a .env file)."""

from __future__ import annotations

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DISCORD_API = "https://discord.com/api/v10"


class DiscordSettings(BaseSettings):
    """`DISCORD_*` variables; the database comes from `REBOUND_DATABASE_URL` (CoreSettings)."""

    model_config = SettingsConfigDict(env_prefix="DISCORD_", env_file=".env", extra="ignore")

    token: SecretStr
    # One server set up from the environment (development); without it, each server picks
    # its forum with /rebound setup (adapters/discord/setup.py).
    support_forum_id: int | None = None
    helpers_channel_id: int | None = None
    moderator_role_id: int | None = None
    # A channel only moderators see, for crisis alerts; see docs/care.md.
    moderators_channel_id: int | None = None
    # Guilds whose commands are synced at start (instant); empty means global sync (slow).
    command_guild_ids: list[int] = Field(default_factory=list)
    sync_commands: bool = True
    # Sharding: None runs one connection; a number (or "auto" = 0) runs an AutoShardedClient.
    shard_count: int | None = None
    # One shard per process (a Kubernetes StatefulSet: the pod's index): with shard_count,
    # this process runs only shard `shard_id` of `shard_count`.
    shard_id: int | None = None
    appreciation_emoji: str = "👍"
    # The community's language: a folder under content/ (missing words fall back to English).
    locale: str = Field(
        default="en", validation_alias=AliasChoices("REBOUND_LOCALE", "DISCORD_LOCALE")
    )
    api_url: str = DISCORD_API
    gateway_url: str | None = None
    tick_seconds: float = 30.0
    # An interaction not answered by then is deferred; Discord allows 3 s in all.
    ack_deadline_seconds: float = 2.0
