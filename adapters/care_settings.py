"""Care settings every adapter reads the same way: `REBOUND_COUNTRY` (whose resources a
member in crisis is given), `REBOUND_RETENTION_DAYS` (unset: content is kept) and
`REBOUND_REVEAL_ALLOWED` (moderators may reveal an anonymous poster, with a reason)."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CareSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REBOUND_", env_file=".env", extra="ignore")

    country: str = ""
    retention_days: int | None = Field(default=None, ge=1)
    reveal_allowed: bool = False


def care_settings(moderators_channel: str | None) -> dict[str, Any]:
    """The care part of a community's settings, with the platform's moderators' channel."""
    care = CareSettings()
    return {
        "moderators_channel": moderators_channel or None,
        "country": care.country.strip().upper(),
        "retention_days": care.retention_days,
        "reveal_allowed": care.reveal_allowed,
    }
