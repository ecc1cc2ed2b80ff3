"""Rebound installed into several workspaces: the real adapter in distributed mode behind
real HTTP, the fake Slack's OAuth, and one `Workspace` helper per installed workspace."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlparse

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import MetaData

from adapters.slack.app import SlackAdapter
from adapters.slack.inbound import community_id
from adapters.slack.pacing import Pacer
from bot.common.clock import ManualClock
from bot.domain.model import CommunitySettings
from bot.engine.bootstrap import build_rebound
from bot.store.secrets import SecretBox
from tests.adapters.slack.fake_slack import FakeSlack
from tests.adapters.slack.slack_requests import SlackRequests
from tests.adapters.slack.workspace import SUPPORT, Workspace, new_fake, settings
from tests.support import START, shared_content

STATE_SECRET = "test-state-secret"
KEY = SecretBox.new_key()
STATE_COOKIE = "slack-app-oauth-state"
INSTALLER = "U0INSTALLER"


@dataclass
class Host:
    """One `rebound slack` process installed into many workspaces."""

    adapter: SlackAdapter
    fake: FakeSlack
    clock: ManualClock
    http: TestClient[Any, Any]

    async def begin_install(self) -> str:
        """Open /slack/install as a browser does; the state its cookie holds."""
        page = await self.http.get("/slack/install")
        assert page.status == 200, page.status
        cookie = SimpleCookie(page.headers["Set-Cookie"])
        state = cookie[STATE_COOKIE].value
        link = urlparse(_authorize_link(await page.text()))
        assert parse_qs(link.query)["state"] == [state]
        return state

    async def finish_install(
        self, state: str, code: str, *, cookie: str | None = None
    ) -> ClientResponse:
        """Slack sends the installer back with a code and the state."""
        headers = {"Cookie": f"{STATE_COOKIE}={state if cookie is None else cookie}"}
        return await self.http.get(
            "/slack/oauth_redirect", params={"code": code, "state": state}, headers=headers
        )

    async def install(
        self, team_id: str, support_channel: str | None = SUPPORT, installer: str = INSTALLER
    ) -> Workspace:
        """Install into `team_id` and set it up (unless `support_channel` is None); the
        workspace, as its members act there."""
        state = await self.begin_install()
        answered = await self.finish_install(state, self.fake.grant(team_id, installer))
        assert answered.status == 200, await answered.text()
        if support_channel is None:
            return self.workspace(team_id)
        await self.adapter.core.ensure_community(
            community_id(team_id), "slack", CommunitySettings(support_channel=support_channel)
        )
        return self.workspace(team_id)

    def workspace(self, team_id: str) -> Workspace:
        ws = Workspace(self.adapter, self.fake, self.clock)
        ws.requests = SlackRequests(team_id=team_id)
        return ws

    def token_of(self, team_id: str) -> str:
        return next(t for t, team in self.fake.installs.items() if team["team_id"] == team_id)

    async def dump(self) -> str:
        """Every row of every table, as text."""
        engine = self.adapter.core.store.engine
        metadata = MetaData()
        async with engine.connect() as db:
            await db.run_sync(metadata.reflect)
            rows = [
                repr(row)
                for table in metadata.sorted_tables
                for row in (await db.execute(table.select())).all()
            ]
        return "\n".join(rows)


def _authorize_link(page: str) -> str:
    """The "Add to Slack" link: Slack's authorize page, with the state."""
    found = re.search(r'href="(https://slack\.com/oauth/v2/authorize[^"]*)"', page)
    assert found is not None, "no Add to Slack link"
    return html.unescape(found.group(1))


@asynccontextmanager
async def host(
    database_url: str, *, keys: str = KEY, fake: FakeSlack | None = None, **overrides: Any
) -> AsyncIterator[Host]:
    """A process installed into many workspaces; on `fake` when given (shared with another
    replica: it outlives this host)."""
    own_fake = fake is None
    if fake is None:
        fake = new_fake()
        await fake.start()
    clock = ManualClock(START)
    core = await build_rebound(database_url, clock, content=shared_content(), worker="install")
    config = settings(
        fake.base_url,
        bot_token=None,
        support_channel=None,
        client_id=fake.client_id,
        client_secret=fake.client_secret,
        state_secret=STATE_SECRET,
        REBOUND_SECRET_KEYS=keys,
        **overrides,
    )
    adapter = SlackAdapter(config, core, pacer=Pacer(0.0, 0.0))
    server = TestServer(adapter.web_app(), host="127.0.0.1")
    http = TestClient(server)
    await http.start_server()
    try:
        await adapter.start()
        yield Host(adapter, fake, clock, http)
    finally:
        await http.close()
        await adapter.close()
        await core.close()
        if own_fake:
            await fake.stop()
