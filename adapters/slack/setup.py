"""`/rebound setup`: a workspace's admins (and whoever installed Rebound) choose its channels,
moderators' group, emoji, language and periods in a modal. Stored per community with an
audit row (bot/store/community_settings_repo.py), in effect at once: the next request reads
them. Rebound then joins the channels it needs, or says which to invite it to.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from adapters.lifecycle import InFlight
from adapters.slack.config import SlackSettings
from adapters.slack.oauth import install_link, missing_scopes
from adapters.slack.outbox import Where
from adapters.slack.setup_form import CALLBACK_ID, CHANNELS, read_setup, setup_modal
from adapters.slack.web import API_FAILURES
from adapters.slack.workspaces import Workspace, WorkspaceSource, community_of_request
from bot.api import (
    NOT_SET_UP,
    CommunitySettingsStore,
    CommunitySetup,
    Installations,
    Message,
    Notice,
    Rebound,
)

log = logging.getLogger(__name__)

COMMAND = "/rebound"
SETUP = "setup"
CommandListener = Callable[[AsyncAck, dict[str, Any], AsyncBoltContext], Awaitable[None]]


class Setup:
    def __init__(
        self,
        core: Rebound,
        workspaces: WorkspaceSource,
        installations: Installations | None,
        in_flight: InFlight,
        slack_settings: SlackSettings,
        *,
        others: CommandListener,
    ) -> None:
        self._others = others
        self._slack_settings = slack_settings
        self._core = core
        self._workspaces = workspaces
        self._installations = installations
        self._settings = CommunitySettingsStore(core.store)
        self._in_flight = in_flight

    def register(self, app: AsyncApp) -> None:
        app.command(COMMAND)(self.on_command)
        app.view(CALLBACK_ID)(self.on_submit)

    async def _may_set_up(self, ws: Workspace, user_id: str) -> bool:
        """Workspace admins and owners, and the member who installed Rebound."""
        if await ws.directory.is_admin(user_id):
            return True
        if self._installations is None:
            return False
        installation = await self._installations.find(ws.community_id)
        return installation is not None and installation.installer_user_id == user_id

    async def _scopes_note(self, community: str, say: Any) -> str:
        """Scopes an app update added that this workspace has not granted yet: the
        re-install link (empty when nothing is missing)."""
        if self._installations is None:
            return ""
        found = await self._installations.find(community)
        missing = missing_scopes(found.bot_scopes) if found is not None else []
        if not missing:
            return ""
        link = install_link(self._slack_settings)
        return str(say("setup.missing_scopes", scopes=", ".join(missing), link=link))

    async def _current(self, community: str) -> CommunitySetup:
        return await self._settings.find(community) or CommunitySetup(NOT_SET_UP)

    async def on_command(
        self, ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        community = community_of_request(context)
        ws = await self._workspaces.at(community)
        if ws is None:
            await ack()
            return
        say = _sayer(self._core, community)
        if str(body.get("text") or "").strip().lower() != SETUP:
            await self._others(ack, body, context)  # the rest of /rebound: the core's
            return
        if not await self._may_set_up(ws, str(body["user_id"])):
            await ack(text=say("setup.admins_only"))
            return
        await ack(text=await self._scopes_note(community, say))
        view = setup_modal(await self._current(community), say)
        try:
            await ws.client.views_open(trigger_id=body["trigger_id"], view=view)
        except API_FAILURES as failure:
            log.warning("setup: views.open failed (%s)", type(failure).__name__)

    async def on_submit(
        self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        community = community_of_request(context)
        ws = await self._workspaces.at(community)
        user_id = str((body.get("user") or {}).get("id", ""))
        if ws is None or not await self._may_set_up(ws, user_id):
            await ack()
            return
        say = _sayer(self._core, community)
        before = await self._current(community)
        values = (view.get("state") or {}).get("values") or {}
        now = self._core.clock.now()
        setup, errors = read_setup(values, before, self._core.content.locales, say, now)
        if setup is None:
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        changed = await self._settings.save(community, setup, user_id, now)
        self._core.settings_changed(community)
        log.info("setup: %s changed %s", community, ", ".join(sorted(changed)) or "nothing")
        self._in_flight.after_ack(
            lambda: self._join_and_tell(ws, setup, user_id), "finishing a setup"
        )

    async def _join_and_tell(self, ws: Workspace, setup: CommunitySetup, user_id: str) -> None:
        say = _sayer(self._core, ws.community_id)
        lines = []
        for name in CHANNELS:
            channel = getattr(setup.settings, name)
            if channel and not await _join(ws, channel):
                lines.append(say("setup.invite_me", channel=f"<#{channel}>"))
        lines.insert(0, say("setup.saved", channel=f"<#{setup.settings.support_channel}>"))
        notice = Notice(user_id=user_id, message=Message(text="\n".join(lines)))
        await ws.outbox.at(Where(user_id=user_id)).deliver(notice)


async def _join(ws: Workspace, channel: str) -> bool:
    try:
        await ws.client.conversations_join(channel=channel)
    except API_FAILURES as failure:
        log.info("setup: could not join a channel (%s)", type(failure).__name__)
        return False
    return True


def _sayer(core: Rebound, community: str) -> Any:
    def say(key: str, **params: object) -> str:
        return core.say(community, key, **params)

    return say
