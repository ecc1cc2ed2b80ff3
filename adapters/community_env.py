"""Community settings every adapter reads the same way, from `REBOUND_*` variables:
`REBOUND_COUNTRY` (whose resources a member in crisis is given), `REBOUND_RETENTION_DAYS`
(unset: content is kept), `REBOUND_REVEAL_ALLOWED` (moderators may reveal an anonymous
poster, with a reason), and the weekly digest's `REBOUND_DIGEST_WEEKDAY` (0 is Monday;
unset: none) and `REBOUND_DIGEST_HOUR` (UTC)."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CommunityEnv(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REBOUND_", env_file=".env", extra="ignore")

    country: str = ""
    retention_days: int | None = Field(default=None, ge=1)
    reveal_allowed: bool = False
    digest_weekday: int | None = Field(default=None, ge=0, le=6)
    digest_hour: int = Field(default=9, ge=0, le=23)


def shared_settings(moderators_channel: str | None) -> dict[str, Any]:
    """The platform-neutral part of a community's settings, with the platform's
    moderators' channel."""
    env = CommunityEnv()
    return {
        "moderators_channel": moderators_channel or None,
        "country": env.country.strip().upper(),
        "retention_days": env.retention_days,
        "reveal_allowed": env.reveal_allowed,
        "digest_weekday": env.digest_weekday,
        "digest_hour": env.digest_hour,
    }
