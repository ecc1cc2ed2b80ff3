"""Installing Rebound into any workspace: slack-bolt's own OAuth flow over Rebound's store.

With SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_STATE_SECRET, `rebound slack` serves
GET /slack/install (the "Add to Slack" page, which sets the state cookie) and GET
/slack/oauth_redirect (Slack sends the installer back there with a code; bolt checks the
state, exchanges the code with `oauth.v2.access` and saves the installation through
`DatabaseInstallationStore`). Requests are then authorised per workspace from the store.
"""

from __future__ import annotations

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.config import SlackSettings
from adapters.slack.install_pages import callback_options
from adapters.slack.installation_store import (
    STATE_LIFETIME_S,
    DatabaseInstallationStore,
    SignedStateStore,
)
from adapters.slack.scopes import BOT_SCOPES
from bot.api import Clock, Installations

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
# The bot scopes asked for at install (deploy/slack-manifest.yaml lists the same; a test
# keeps them in step).


def missing_scopes(granted: str) -> list[str]:
    """The scopes Rebound needs that an installation was not granted (an app update added
    some since it was installed)."""
    have = {scope.strip() for scope in granted.split(",")}
    return [scope for scope in BOT_SCOPES if scope not in have]


def install_link(settings: SlackSettings) -> str:
    """Where a workspace installs (or re-installs) Rebound."""
    if settings.redirect_uri and settings.redirect_uri.endswith(REDIRECT_PATH):
        return settings.redirect_uri.removesuffix(REDIRECT_PATH) + INSTALL_PATH
    return INSTALL_PATH


def oauth_settings(
    settings: SlackSettings, installations: Installations, clock: Clock
) -> AsyncOAuthSettings:
    assert settings.state_secret is not None, "distributed mode needs SLACK_STATE_SECRET"
    return AsyncOAuthSettings(
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        scopes=list(BOT_SCOPES),
        redirect_uri=settings.redirect_uri,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        installation_store=DatabaseInstallationStore(installations, clock),
        installation_store_bot_only=True,
        token_rotation_expiration_minutes=settings.token_rotation_minutes,
        state_store=SignedStateStore(installations, clock, settings.state_secret),
        state_expiration_seconds=STATE_LIFETIME_S,
        callback_options=callback_options(install_link(settings)),
    )


def token_rotator(settings: SlackSettings, client: AsyncWebClient) -> AsyncTokenRotator:
    """Refreshes expiring bot tokens outside requests (the scheduler's deliveries)."""
    return AsyncTokenRotator(
        client_id=settings.client_id or "",
        client_secret=settings.client_secret or "",
        client=client,
    )


class OAuthEndpoints:
    """The two GET routes, answered by bolt's flow."""

    def __init__(self, flow: AsyncOAuthFlow) -> None:
        self._flow = flow

    async def install(self, request: web.Request) -> web.Response:
        return await to_aiohttp_response(
            await self._flow.handle_installation(await to_bolt_request(request))
        )

    async def redirect(self, request: web.Request) -> web.Response:
        return await to_aiohttp_response(
            await self._flow.handle_callback(await to_bolt_request(request))
        )


def add_oauth_routes(application: web.Application, app: AsyncApp) -> None:
    """/slack/install and /slack/oauth_redirect, when the app runs bolt's OAuth flow."""
    flow = app.oauth_flow
    if flow is None:
        return
    endpoints = OAuthEndpoints(flow)
    application.router.add_get(flow.install_path, endpoints.install)
    application.router.add_get(flow.redirect_uri_path, endpoints.redirect)
