"""The workspaces one `rebound slack` process serves, each with its own client and outbox.

`OneWorkspace` is development mode: one token and channels from the environment.
`InstalledWorkspaces` serves every workspace that installed Rebound: each is built from its
installation (the token opened from the database) and its community's settings, and kept
while the installation's revision is unchanged. The revision is read on every use (one
small query, no secret opened), so an uninstall or a refreshed token made by another
replica is seen at once; at most `capacity` workspaces stay in memory.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

import aiohttp
from slack_bolt.async_app import AsyncBoltContext
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.directory import Directory
from adapters.slack.form_metadata import FormMetadata
from adapters.slack.home import HomeTab
from adapters.slack.inbound import community_id, team_of
from adapters.slack.installation_store import as_bot, stored
from adapters.slack.outbox import SlackOutbox
from adapters.slack.pacing import Pacer
from adapters.slack.setup_form import MODERATORS
from adapters.slack.web import API_FAILURES, web_client
from bot.api import (
    NOT_SET_UP,
    Attempt,
    Capabilities,
    CommunitySettings,
    CommunitySettingsStore,
    Delivered,
    DeliveryFailed,
    FailureKind,
    Installation,
    Installations,
    Intent,
    Outbox,
    Rebound,
)

log = logging.getLogger(__name__)

CAPACITY = 1000
NOT_INSTALLED = "not_installed"


@dataclass
class Workspace:
    """What serving one workspace takes."""

    community_id: str
    client: AsyncWebClient
    outbox: SlackOutbox
    directory: Directory
    home: HomeTab
    support_channel: str
    revision: int = 0
    moderators_group: str | None = None
    settings: CommunitySettings | None = None  # as last read (another replica may change them)
    installer: str | None = None  # who installed Rebound here (they may set it up)


def community_of_request(context: AsyncBoltContext) -> str:
    """The community a request comes from: its workspace (its organisation without one)."""
    team_id = context.team_id or context.enterprise_id
    if not team_id:
        raise ValueError("a Slack request without a team")
    return community_id(team_id)


class WorkspaceSource(Protocol):
    async def at(self, community_id: str) -> Workspace | None:
        """The workspace serving `community_id`; None when Rebound is not installed there."""
        ...

    def outbox_for(self, community_id: str) -> Outbox | None: ...


class OneWorkspace:
    """Development mode: the workspace of SLACK_BOT_TOKEN, whatever its id turns out to be."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.uninstalled = False  # Rebound was removed from it: nothing is sent any more

    async def at(self, community_id: str) -> Workspace | None:
        # Before `start` learns the workspace's id, the one workspace is the only one.
        known = self.workspace.community_id
        served = not known or community_id == known
        return self.workspace if served and not self.uninstalled else None

    def outbox_for(self, community_id: str) -> Outbox | None:
        if self.uninstalled or community_id != self.workspace.community_id:
            return None
        return self.workspace.outbox


@dataclass(frozen=True)
class Parts:
    """How a workspace's pieces are made (shared by every workspace of the process)."""

    session: aiohttp.ClientSession
    api_url: str
    form_metadata: FormMetadata
    pacer: Callable[[], Pacer]
    lookup_budget_s: float


def build_workspace(
    core: Rebound,
    parts: Parts,
    community_id: str,
    token: str,
    *,
    support_channel: str,
    moderators_group: str | None,
    revision: int = 0,
) -> Workspace:
    client = web_client(token, parts.api_url, parts.session)
    return Workspace(
        community_id=community_id,
        client=client,
        outbox=SlackOutbox(client, parts.pacer(), form_metadata=parts.form_metadata),
        directory=Directory(client, moderators_group, lookup_budget_s=parts.lookup_budget_s),
        home=HomeTab(core, client),
        support_channel=support_channel,
        revision=revision,
        moderators_group=moderators_group,
    )


class InstalledWorkspaces:
    def __init__(
        self,
        core: Rebound,
        installations: Installations,
        parts: Parts,
        *,
        rotator: AsyncTokenRotator | None = None,
        rotate_before: timedelta = timedelta(minutes=120),
        capacity: int = CAPACITY,
    ) -> None:
        self._core = core
        self._installations = installations
        self._parts = parts
        self._rotator = rotator
        self._rotate_before = rotate_before
        self._capacity = capacity
        self._known: OrderedDict[str, Workspace] = OrderedDict()
        self._settings = CommunitySettingsStore(core.store)

    def __len__(self) -> int:
        return len(self._known)

    def __contains__(self, community_id: object) -> bool:
        return community_id in self._known

    @property
    def capacity(self) -> int:
        return self._capacity

    async def at(self, community_id: str) -> Workspace | None:
        if team_of(community_id) is None:
            return None
        revision = await self._installations.revision(community_id)
        if revision is None:
            self._known.pop(community_id, None)
            return None
        setup = await self._settings.find(community_id)
        settings = setup.settings if setup is not None else NOT_SET_UP
        group = (setup.platform.get(MODERATORS) if setup is not None else None) or None
        kept = self._known.get(community_id)
        if kept is None or kept.settings != settings:
            # Set up anew (here or on another replica): the core reads them again at once.
            self._core.settings_changed(community_id)
        if kept is not None and kept.revision == revision and kept.moderators_group == group:
            self._known.move_to_end(community_id)
            kept.support_channel = settings.support_channel
            kept.settings = settings
            return kept
        installation = await self._installations.find(community_id)
        if installation is None:
            self._known.pop(community_id, None)
            return None
        installation = await self._fresh(installation)
        workspace = build_workspace(
            self._core,
            self._parts,
            community_id,
            installation.bot_token,
            support_channel=settings.support_channel,
            moderators_group=group,
            revision=installation.revision,
        )
        workspace.settings = settings
        workspace.installer = installation.installer_user_id
        self._known[community_id] = workspace
        while len(self._known) > self._capacity:
            self._known.popitem(last=False)
        return workspace

    async def _fresh(self, installation: Installation) -> Installation:
        """A token about to expire is refreshed first (token rotation on)."""
        expires = installation.bot_token_expires_at
        if self._rotator is None or expires is None or installation.bot_refresh_token is None:
            return installation
        if expires - self._core.clock.now() > self._rotate_before:
            return installation
        try:
            minutes = int(self._rotate_before.total_seconds() // 60)
            refreshed = await self._rotator.perform_bot_token_rotation(
                bot=as_bot(installation), minutes_before_expiration=minutes
            )
        except API_FAILURES as failure:
            log.warning("token refresh failed (%s)", type(failure).__name__)
            return installation
        if refreshed is None:
            return installation
        return await self._installations.save(stored(refreshed), "slack")

    def outbox_for(self, community_id: str) -> Outbox | None:
        """Every installed workspace's outbox; found when something is delivered."""
        return None if team_of(community_id) is None else DeferredOutbox(self, community_id)


class DeferredOutbox:
    """A workspace's outbox, looked up when an intent is delivered (the scheduler asks for
    outboxes without waiting)."""

    capabilities: Capabilities = SlackOutbox.capabilities

    def __init__(self, workspaces: InstalledWorkspaces, community_id: str) -> None:
        self._workspaces = workspaces
        self._community_id = community_id

    async def deliver(self, intent: Intent, attempt: Attempt | None = None) -> Delivered | None:
        workspace = await self._workspaces.at(self._community_id)
        if workspace is None:
            # Uninstalled: nothing can reach the workspace any more.
            raise DeliveryFailed(NOT_INSTALLED, FailureKind.PERMANENT)
        return await workspace.outbox.deliver(intent, attempt)
