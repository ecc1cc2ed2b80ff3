"""Process settings from the environment (and a .env file)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///rebound.db"


class CoreSettings(BaseSettings):
    """Settings every Rebound process shares; adapters add their own."""

    model_config = SettingsConfigDict(env_prefix="REBOUND_", env_file=".env", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    log_level: str = "INFO"
    # How long a worker holds an outbox row it is sending (renewed before every call).
    outbox_lease_seconds: float = 120.0
    # Transient delivery failures are retried this long after the first, then given up.
    give_up_after_hours: float = 24.0
    # A community's own words and templates, laid over the packaged ones key by key.
    content_dir: Path | None = None
    # Fernet keys sealing platform tokens at rest, newest first (bot/store/secrets.py).
    secret_keys: str = ""
    # How many communities' settings a process keeps in memory (the least recently used
    # are read again from the database when needed).
    settings_cache_size: int = Field(default=1000, ge=1)
