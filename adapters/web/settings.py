"""The web page's settings: `REBOUND_WEB_*`, and the Slack and Discord apps it signs in with."""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

SLACK_API_URL = "https://slack.com/api/"
SLACK_AUTHORIZE_URL = "https://slack.com/openid/connect/authorize"
DISCORD_API_URL = "https://discord.com/api/v10"
DISCORD_AUTHORIZE_URL = "https://discord.com/oauth2/authorize"


def _env(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class WebSettings(BaseSettings):
    """`REBOUND_WEB_SECRET` signs sessions (32 characters or more); `REBOUND_WEB_BASE_URL`
    is where browsers reach the page (redirect URLs are built from it)."""

    model_config = SettingsConfigDict(env_prefix="REBOUND_WEB_", env_file=".env", extra="ignore")

    secret: str = ""
    base_url: str = "http://127.0.0.1:3000"
    session_hours: float = 8.0
    # Cookies marked Secure (on by default for an https base URL).
    secure_cookies: bool | None = None
    database_url: str | None = Field(
        default=None, validation_alias=_env("REBOUND_DATABASE_URL", "REBOUND_WEB_DATABASE_URL")
    )

    slack_client_id: str | None = Field(default=None, validation_alias=_env("SLACK_CLIENT_ID"))
    slack_client_secret: str | None = Field(
        default=None, validation_alias=_env("SLACK_CLIENT_SECRET")
    )
    slack_api_url: str = Field(default=SLACK_API_URL, validation_alias=_env("SLACK_API_URL"))
    slack_authorize_url: str = Field(
        default=SLACK_AUTHORIZE_URL, validation_alias=_env("SLACK_AUTHORIZE_URL")
    )
    # The bot's token (one workspace); with several, each installation's own token is used.
    slack_bot_token: str | None = Field(default=None, validation_alias=_env("SLACK_BOT_TOKEN"))
    slack_moderators_group: str | None = Field(
        default=None, validation_alias=_env("SLACK_MODERATORS_GROUP")
    )
    secret_keys: str = Field(default="", validation_alias=_env("REBOUND_SECRET_KEYS"))

    discord_client_id: str | None = Field(default=None, validation_alias=_env("DISCORD_CLIENT_ID"))
    discord_client_secret: str | None = Field(
        default=None, validation_alias=_env("DISCORD_CLIENT_SECRET")
    )
    discord_api_url: str = Field(default=DISCORD_API_URL, validation_alias=_env("DISCORD_API_URL"))
    discord_authorize_url: str = Field(
        default=DISCORD_AUTHORIZE_URL, validation_alias=_env("DISCORD_AUTHORIZE_URL")
    )
    discord_token: str | None = Field(default=None, validation_alias=_env("DISCORD_TOKEN"))
    discord_moderator_role_id: str | None = Field(
        default=None, validation_alias=_env("DISCORD_MODERATOR_ROLE_ID")
    )

    @property
    def slack(self) -> bool:
        return bool(self.slack_client_id and self.slack_client_secret)

    @property
    def discord(self) -> bool:
        return bool(self.discord_client_id and self.discord_client_secret and self.discord_token)

    @property
    def secure(self) -> bool:
        if self.secure_cookies is not None:
            return self.secure_cookies
        return self.base_url.startswith("https://")

    def redirect_uri(self, platform: str) -> str:
        return f"{self.base_url.rstrip('/')}/auth/{platform}/callback"

    def problems(self) -> list[str]:
        found = []
        if len(self.secret) < 32:
            found.append("REBOUND_WEB_SECRET (32 characters or more)")
        if not (self.slack or self.discord):
            found.append(
                "a sign-in: SLACK_CLIENT_ID and SLACK_CLIENT_SECRET, or DISCORD_CLIENT_ID, "
                "DISCORD_CLIENT_SECRET and DISCORD_TOKEN"
            )
        return found
