"""The Slack adapter's settings, from the environment and a `.env` file."""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from adapters.community_env import shared_settings
from bot.api import DEFAULT_DATABASE_URL, CommunitySettings

SLACK_API_URL = "https://slack.com/api/"


class SlackSettings(BaseSettings):
    """`SLACK_*` variables, plus `REBOUND_DATABASE_URL` for the store."""

    model_config = SettingsConfigDict(env_prefix="SLACK_", env_file=".env", extra="ignore")

    # One workspace (development): its bot token and channels come from here. With
    # SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_STATE_SECRET instead, Rebound is
    # installed from /slack/install into any number of workspaces (adapters/slack/oauth.py).
    bot_token: str | None = None
    signing_secret: str = ""
    app_token: str | None = None
    api_url: str = SLACK_API_URL
    support_channel: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    state_secret: str | None = None
    # Where Slack sends installers back (the app's Redirect URL); Slack's setting if unset.
    redirect_uri: str | None = None
    # Tokens that expire (token rotation on in the app's settings) are refreshed this long
    # before they do.
    token_rotation_minutes: int = 120
    helpers_channel: str | None = None
    # A user group id (S0123...); its members may mark best answers on anyone's post.
    moderators_group: str | None = None
    # A private channel (C0123...) for crisis alerts; see docs/care.md.
    moderators_channel: str | None = None
    appreciation_emoji: str = "+1"
    # The community's language: a folder under content/ (missing words fall back to English).
    locale: str = Field(
        default="en", validation_alias=AliasChoices("REBOUND_LOCALE", "SLACK_LOCALE")
    )
    # Slack takes about one message per second per channel; the workspace-wide rate is off
    # (0) unless set, since Slack does not publish one.
    channel_interval_s: float = 1.0
    workspace_rate_per_s: float = 0.0
    # Start-up calls (auth.test, apps.connections.open) that fail for a transient reason
    # are tried this many times, waiting from the first delay and doubling (1+2+4+8+16 s).
    startup_tries: int = 6
    startup_first_retry_s: float = 1.0
    # Installed into many workspaces: how many (client, outbox, directory) stay in memory;
    # the least recently used are built again from the database when needed.
    workspace_cache_size: int = Field(default=1000, ge=1)
    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        validation_alias=AliasChoices("REBOUND_DATABASE_URL", "SLACK_DATABASE_URL"),
    )

    @property
    def distributed(self) -> bool:
        """Installed by OAuth into many workspaces, rather than one workspace's token."""
        return bool(self.client_id or self.client_secret or self.state_secret)

    def missing(self) -> list[str]:
        """The variables this mode still needs, by name."""
        if self.distributed:
            needed = {
                "SLACK_SIGNING_SECRET": self.signing_secret,
                "SLACK_CLIENT_ID": self.client_id,
                "SLACK_CLIENT_SECRET": self.client_secret,
                "SLACK_STATE_SECRET": self.state_secret,
                "REBOUND_SECRET_KEYS": self.secret_keys,
            }
        else:
            needed = {
                "SLACK_BOT_TOKEN": self.bot_token,
                "SLACK_SIGNING_SECRET": self.signing_secret,
                "SLACK_SUPPORT_CHANNEL": self.support_channel,
            }
        return [name for name, value in needed.items() if not value]

    # Fernet keys sealing the installations' tokens, newest first (bot/store/secrets.py).
    secret_keys: str = Field(
        default="", validation_alias=AliasChoices("REBOUND_SECRET_KEYS", "SLACK_SECRET_KEYS")
    )

    def community_settings(self) -> CommunitySettings:
        """The community's settings, applied at each start."""
        return CommunitySettings(
            support_channel=self.support_channel or "",
            helpers_channel=self.helpers_channel or None,
            appreciation_emoji=self.appreciation_emoji,
            locale=self.locale,
            **shared_settings(self.moderators_channel),
        )

    @property
    def web_api_url(self) -> str:
        """The Web API base URL, ending in a slash as slack-sdk expects."""
        return self.api_url if self.api_url.endswith("/") else f"{self.api_url}/"
