"""Which workspaces a `rebound slack` process serves, and how bolt authorises requests.

Development mode (SLACK_BOT_TOKEN): one workspace, bolt uses the client's token.
Distributed mode (SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_STATE_SECRET and
REBOUND_SECRET_KEYS): bolt's OAuth flow installs Rebound, the installation store
authorises each request, and each workspace is served with its own token.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp

from adapters.lifecycle import InFlight
from adapters.slack.bridge import HOME_OPENED
from adapters.slack.config import SlackSettings
from adapters.slack.inbound import PLATFORM
from adapters.slack.oauth import install_link, missing_scopes, oauth_settings, token_rotator
from adapters.slack.setup import COMMAND as SETUP_COMMAND
from adapters.slack.setup import CommandListener, Setup
from adapters.slack.uninstall import Uninstalls
from adapters.slack.workspaces import (
    InstalledWorkspaces,
    OneWorkspace,
    Parts,
    Workspace,
    WorkspaceSource,
)
from bot.api import Installations, Rebound, SecretBox, left_community

log = logging.getLogger(__name__)


class Distribution:
    """Single workspace or many: the pieces that differ, chosen once from the settings."""

    def __init__(
        self, settings: SlackSettings, core: Rebound, parts: Parts, one: Workspace
    ) -> None:
        self.settings = settings
        self.installations: Installations | None = None
        self.workspaces: WorkspaceSource
        if settings.distributed:
            box = SecretBox.from_text(settings.secret_keys)
            self.installations = Installations(core.store, box)
            # `one` holds the process's client, without any workspace's token here.
            self.workspaces = InstalledWorkspaces(
                core,
                self.installations,
                parts,
                rotator=token_rotator(settings, one.client),
                capacity=settings.workspace_cache_size,
            )
        else:
            self.workspaces = OneWorkspace(one)
        self._core = core

    async def check_scopes(self) -> int:
        """At start: how many workspaces miss scopes an app update added (each logged with
        the re-install link; `/rebound setup` tells their admins too)."""
        if self.installations is None:
            return 0
        short = {
            community: missing
            for community, granted in (await self.installations.scopes()).items()
            if (missing := missing_scopes(granted))
        }
        for community, missing in short.items():
            log.warning(
                "%s lacks scopes %s: re-install from %s",
                community,
                ",".join(missing),
                install_link(self.settings),
            )
        return len(short)

    async def communities(self) -> list[str]:
        """The communities served: every installed workspace, or the environment's one
        (known once `start` found it)."""
        if self.installations is not None:
            return await self.installations.community_ids(PLATFORM)
        assert isinstance(self.workspaces, OneWorkspace)
        return [self.workspaces.workspace.community_id]

    def bolt_options(self) -> dict[str, Any]:
        """AsyncApp's authorisation: the installation store in distributed mode."""
        if self.installations is None:
            return {}
        return {
            "oauth_settings": oauth_settings(self.settings, self.installations, self._core.clock)
        }

    @property
    def taken(self) -> tuple[str, ...]:
        """What this listens to itself when installed by OAuth: `/rebound` and the App
        Home (both carry the setup)."""
        return (SETUP_COMMAND, HOME_OPENED) if self.installations is not None else ()

    def register(self, app: AsyncApp, in_flight: InFlight, others: CommandListener) -> None:
        """Uninstalls and `/rebound setup`, for workspaces that installed Rebound (in
        development mode the environment's settings are the community's); the rest of
        `/rebound` goes to `others`."""
        if self.installations is None:
            Uninstalls(self._left).register(app)
            return
        installations, clock = self.installations, self._core.clock
        Uninstalls(lambda community: installations.remove(community, clock.now())).register(app)
        Setup(
            self._core,
            self.workspaces,
            self.installations,
            in_flight,
            self.settings,
            others=others,
        ).register(app)

    async def _left(self, community: str) -> None:
        """The environment's workspace uninstalled Rebound (or revoked its token): nothing
        more is sent there (no installation row to remove: its sends stop all the same)."""
        assert isinstance(self.workspaces, OneWorkspace)
        if await self.workspaces.at(community) is None:
            return  # another workspace's event: not the one served
        self.workspaces.uninstalled = True
        await left_community(self._core.store, community, self._core.clock.now())
