"""Setting Rebound up inside Slack: a workspace's admins (and whoever installed Rebound)
choose its channels, moderators' group, emoji, language and periods, in the `/rebound
setup` modal or in the setup part of their App Home (others see their home without it).
Both save the same way: stored per community with an audit row
(bot/store/community_settings_repo.py), in effect at once (the next request reads them).
Rebound then joins the channels it needs, or says which to invite it to.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from adapters.lifecycle import InFlight
from adapters.slack.blocks import Block, section
from adapters.slack.bridge import HOME_OPENED
from adapters.slack.config import SlackSettings
from adapters.slack.oauth import install_link, missing_scopes
from adapters.slack.outbox import Where
from adapters.slack.setup_form import (
    CALLBACK_ID,
    CHANNELS,
    SAVE_FROM_HOME,
    Say,
    channel_link,
    home_setup_blocks,
    not_set_up_text,
    read_setup,
    sayer,
    setup_modal,
)
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
        app.event(HOME_OPENED)(self.on_home_opened)
        app.action(SAVE_FROM_HOME)(self.on_home_save)

    async def _may_set_up(self, ws: Workspace, user_id: str) -> bool:
        """Workspace admins and owners, and the member who installed Rebound."""
        return user_id == ws.installer or await ws.directory.is_admin(user_id)

    async def _scopes_note(self, community: str, say: Say) -> str:
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

    async def _save(
        self, ws: Workspace, user_id: str, values: dict[str, Any]
    ) -> tuple[CommunitySetup | None, dict[str, str]]:
        """The fields as submitted (from the modal or the App Home), stored and audited;
        or, with nothing stored, the errors by field."""
        community = ws.community_id
        now = self._core.clock.now()
        before = await self._current(community)
        say = sayer(self._core, community)
        setup, errors = read_setup(values, before, self._core.content.locales, say, now)
        if setup is None:
            return None, errors
        changed = await self._settings.save(community, setup, user_id, now)
        self._core.settings_changed(community)
        log.info("setup: %s changed %s", community, ", ".join(sorted(changed)) or "nothing")
        return setup, {}

    async def _join_all(self, ws: Workspace, setup: CommunitySetup) -> list[str]:
        """Join the channels chosen; what to tell whoever saved (saved, and where to
        invite Rebound by hand)."""
        say = sayer(self._core, ws.community_id)
        lines = [say("setup.saved", channel=channel_link(setup.settings.support_channel))]
        for name in CHANNELS:
            channel = getattr(setup.settings, name)
            if channel and not await _join(ws, channel):
                lines.append(say("setup.invite_me", channel=channel_link(channel)))
        return lines

    # --- /rebound setup: the modal --------------------------------------------------------

    async def on_command(
        self, ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        community = community_of_request(context)
        ws = await self._workspaces.at(community)
        if ws is None:
            await ack()
            return
        say = sayer(self._core, community)
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
        ws = await self._workspaces.at(community_of_request(context))
        user_id = str((body.get("user") or {}).get("id", ""))
        if ws is None or not await self._may_set_up(ws, user_id):
            await ack()
            return
        setup, errors = await self._save(ws, user_id, _values(view))
        if setup is None:
            await ack(response_action="errors", errors=errors)
            return
        await ack()

        async def join_and_tell() -> None:
            lines = await self._join_all(ws, setup)
            notice = Notice(user_id=user_id, message=Message(text="\n".join(lines)))
            await ws.outbox.at(Where(user_id=user_id)).deliver(notice)

        self._in_flight.after_ack(join_and_tell, "finishing a setup")

    # --- the App Home -----------------------------------------------------------------------

    async def on_home_opened(self, event: dict[str, Any], context: AsyncBoltContext) -> None:
        ws = await self._workspaces.at(community_of_request(context))
        if event.get("tab") != "home" or ws is None:
            return
        user_id = str(event["user"])
        self._in_flight.after_ack(lambda: self._publish_home(ws, user_id), "publishing the home")

    async def on_home_save(
        self, ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        """Save in the App Home: the click carries the fields' state. Checked, stored and
        answered after the ack (the home is published again with what happened)."""
        await ack()
        ws = await self._workspaces.at(community_of_request(context))
        user_id = str((body.get("user") or {}).get("id", ""))
        if ws is None:
            return
        values = _values(body.get("view") or {})

        async def save() -> None:
            if not await self._may_set_up(ws, user_id):
                await self._publish_home(ws, user_id)
                return
            setup, errors = await self._save(ws, user_id, values)
            notes = [] if setup is None else await self._join_all(ws, setup)
            await self._publish_home(ws, user_id, notes, errors)

        self._in_flight.after_ack(save, "saving a setup from the home")

    async def _publish_home(
        self,
        ws: Workspace,
        user_id: str,
        notes: list[str] | None = None,
        errors: dict[str, str] | None = None,
    ) -> None:
        """The member's home; below it the setup for who may set up, or, where Rebound
        was never set up, who can."""
        community = ws.community_id
        say = sayer(self._core, community)
        below: list[Block] = []
        if await self._may_set_up(ws, user_id):
            told = [*(notes or []), await self._scopes_note(community, say)]
            setup = await self._current(community)
            below = home_setup_blocks(setup, say, [t for t in told if t], errors or {})
        elif not ws.support_channel:
            below = [section(not_set_up_text(say, ws.installer))]
        await ws.home.publish(community, await ws.directory.member(user_id), below)


def _values(view: dict[str, Any]) -> dict[str, Any]:
    """What a view's input blocks hold (a modal submitted, or the home when Save is hit)."""
    return dict((view.get("state") or {}).get("values") or {})


async def _join(ws: Workspace, channel: str) -> bool:
    try:
        await ws.client.conversations_join(channel=channel)
    except API_FAILURES as failure:
        log.info("setup: could not join a channel (%s)", type(failure).__name__)
        return False
    return True
