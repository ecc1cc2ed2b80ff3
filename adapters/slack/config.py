"""The Slack adapter's settings, from the environment and a `.env` file."""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.domain.model import CommunitySettings
from bot.settings import DEFAULT_DATABASE_URL

SLACK_API_URL = "https://slack.com/api/"


class SlackSettings(BaseSettings):
    """`SLACK_*` variables, plus `REBOUND_DATABASE_URL` for the store."""

    model_config = SettingsConfigDict(env_prefix="SLACK_", env_file=".env", extra="ignore")

    bot_token: str
    signing_secret: str
    app_token: str | None = None
    api_url: str = SLACK_API_URL
    support_channel: str
    helpers_channel: str | None = None
    # A user group id (S0123...); its members may mark best answers on anyone's post.
    moderators_group: str | None = None
    appreciation_emoji: str = "+1"
    # The community's language: a folder under content/ (missing words fall back to English).
    locale: str = Field(
        default="en", validation_alias=AliasChoices("REBOUND_LOCALE", "SLACK_LOCALE")
    )
    # The weekly digest to the helpers' channel: weekday (0 is Monday; unset: none), hour UTC.
    digest_weekday: int | None = Field(
        default=None,
        ge=0,
        le=6,
        validation_alias=AliasChoices("REBOUND_DIGEST_WEEKDAY", "SLACK_DIGEST_WEEKDAY"),
    )
    digest_hour: int = Field(
        default=9,
        ge=0,
        le=23,
        validation_alias=AliasChoices("REBOUND_DIGEST_HOUR", "SLACK_DIGEST_HOUR"),
    )
    # Slack takes about one message per second per channel; the workspace-wide rate is off
    # (0) unless set, since Slack does not publish one.
    channel_interval_s: float = 1.0
    workspace_rate_per_s: float = 0.0
    # Start-up calls (auth.test, apps.connections.open) that fail for a transient reason
    # are tried this many times, waiting from the first delay and doubling (1+2+4+8+16 s).
    startup_tries: int = 6
    startup_first_retry_s: float = 1.0
    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        validation_alias=AliasChoices("REBOUND_DATABASE_URL", "SLACK_DATABASE_URL"),
    )

    def community_settings(self) -> CommunitySettings:
        """The community's settings, applied at each start."""
        return CommunitySettings(
            support_channel=self.support_channel,
            helpers_channel=self.helpers_channel or None,
            appreciation_emoji=self.appreciation_emoji,
            locale=self.locale,
            digest_weekday=self.digest_weekday,
            digest_hour=self.digest_hour,
        )

    @property
    def web_api_url(self) -> str:
        """The Web API base URL, ending in a slash as slack-sdk expects."""
        return self.api_url if self.api_url.endswith("/") else f"{self.api_url}/"
