"""slack-sdk's installation and OAuth state stores, over Rebound's database.

Bolt's OAuth flow saves what `oauth.v2.access` gave through `async_save`, and finds the
bot for every request through `async_find_bot`/`async_find_installation` (no cache: each
request reads the current row, so every replica sees an uninstall or a refreshed token at
once). Tokens are sealed before they reach the store (bot/store/installation_repo.py).

A state is a random value with an HMAC under `SLACK_STATE_SECRET`: a forged one is refused
before the database is asked, a used or expired one by the database (it is deleted when
consumed, so a replayed callback finds nothing).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation as SlackInstall
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from adapters.slack.inbound import PLATFORM, community_id
from bot.api import Clock, Installation, Installations

log = logging.getLogger(__name__)

STATE_LIFETIME_S = 600


def community_of(enterprise_id: str | None, team_id: str | None, org_wide: bool | None) -> str:
    """The community an installation serves: the organisation for an org-wide install,
    else the workspace."""
    native = enterprise_id if org_wide and enterprise_id else team_id
    if not native:
        raise ValueError("a Slack installation without a workspace")
    return community_id(native)


def _when(epoch: float | int | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(float(epoch), UTC)


def stored(installation: SlackInstall | Bot) -> Installation:
    """slack-sdk's installation (or bot) as Rebound stores it."""
    return Installation(
        community_id=community_of(
            installation.enterprise_id,
            installation.team_id,
            installation.is_enterprise_install,
        ),
        enterprise_id=installation.enterprise_id,
        team_id=installation.team_id,
        app_id=installation.app_id,
        bot_id=str(installation.bot_id),
        bot_user_id=str(installation.bot_user_id),
        bot_scopes=",".join(installation.bot_scopes or []),
        bot_token=str(installation.bot_token),
        bot_refresh_token=installation.bot_refresh_token,
        bot_token_expires_at=_when(installation.bot_token_expires_at),
        installer_user_id=getattr(installation, "user_id", None),
        is_enterprise_install=bool(installation.is_enterprise_install),
        installed_at=_when(installation.installed_at) or datetime.now(UTC),
    )


def _bot_fields(found: Installation) -> dict[str, Any]:
    """What slack-sdk's Bot and Installation both hold, from a stored installation."""
    expires = found.bot_token_expires_at
    return {
        "app_id": found.app_id,
        "enterprise_id": found.enterprise_id,
        "team_id": found.team_id,
        "bot_token": found.bot_token,
        "bot_id": found.bot_id,
        "bot_user_id": found.bot_user_id,
        "bot_scopes": found.bot_scopes,
        "bot_refresh_token": found.bot_refresh_token,
        "bot_token_expires_at": None if expires is None else int(expires.timestamp()),
        "is_enterprise_install": found.is_enterprise_install,
        "installed_at": found.installed_at.timestamp(),
    }


def as_bot(found: Installation) -> Bot:
    return Bot(**_bot_fields(found))


def as_installation(found: Installation) -> SlackInstall:
    return SlackInstall(user_id=found.installer_user_id or "", **_bot_fields(found))


class DatabaseInstallationStore(AsyncInstallationStore):
    """Bot-scope installations, one per community (user tokens are never asked for)."""

    def __init__(self, installations: Installations, clock: Clock) -> None:
        self._installations = installations
        self._clock = clock

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_save(self, installation: SlackInstall) -> None:
        """An install (with who installed it: they may set Rebound up)."""
        await self.async_save_bot(installation)

    async def async_save_bot(self, bot: Bot | SlackInstall) -> None:
        saved = await self._installations.save(stored(bot), PLATFORM)
        log.info("installation saved for %s (revision %d)", saved.community_id, saved.revision)

    async def _find(
        self, enterprise_id: str | None, team_id: str | None, org_wide: bool | None
    ) -> Installation | None:
        try:
            community = community_of(enterprise_id, team_id, org_wide)
        except ValueError:
            return None
        return await self._installations.find(community)

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        found = await self._find(enterprise_id, team_id, is_enterprise_install)
        return None if found is None else as_bot(found)

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> SlackInstall | None:
        if user_id is not None:
            return None  # Rebound keeps no user tokens
        found = await self._find(enterprise_id, team_id, is_enterprise_install)
        return None if found is None else as_installation(found)

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self._delete(enterprise_id, team_id)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        if user_id is None:
            await self._delete(enterprise_id, team_id)

    async def _delete(self, enterprise_id: str | None, team_id: str | None) -> None:
        """An org-wide install is named by its organisation alone (no workspace)."""
        try:
            community = community_of(enterprise_id, team_id, org_wide=team_id is None)
        except ValueError:
            return
        await self._installations.remove(community, self._clock.now())


class SignedStateStore(AsyncOAuthStateStore):
    """One-use OAuth states: signed with the state secret, kept in the database until used
    or expired."""

    def __init__(
        self,
        installations: Installations,
        clock: Clock,
        secret: str,
        lifetime_s: int = STATE_LIFETIME_S,
    ) -> None:
        self._installations = installations
        self._clock = clock
        self._key = secret.encode()
        self._lifetime = timedelta(seconds=lifetime_s)

    @property
    def logger(self) -> logging.Logger:
        return log

    def _signature(self, nonce: str) -> str:
        return hmac.new(self._key, nonce.encode(), hashlib.sha256).hexdigest()[:32]

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        nonce = secrets.token_urlsafe(24)
        state = f"{nonce}.{self._signature(nonce)}"
        now = self._clock.now()
        await self._installations.issue_state(state, now + self._lifetime, now)
        return state

    async def async_consume(self, state: str) -> bool:
        nonce, _, signature = state.partition(".")
        if not hmac.compare_digest(self._signature(nonce), signature):
            log.warning("OAuth callback refused: a state Rebound did not sign")
            return False
        if not await self._installations.consume_state(state, self._clock.now()):
            log.warning("OAuth callback refused: the state was used already or expired")
            return False
        return True
