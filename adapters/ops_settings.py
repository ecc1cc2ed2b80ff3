"""The settings every adapter process's operations share, light to import (the CLI reads
them before it loads anything else)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class OpsSettings(BaseSettings):
    """`REBOUND_HTTP_PORT` (the ops port) and `REBOUND_LOG_FORMAT` (`text` or `json`)."""

    model_config = SettingsConfigDict(env_prefix="REBOUND_", env_file=".env", extra="ignore")

    http_port: int | None = None
    log_format: str = "text"
