"""The page mounted beside another process's routes (the Slack HTTP adapter's): served on
the same port when REBOUND_WEB_SECRET is set, and leaving the other routes alone."""

from __future__ import annotations

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.web.mount import mount_if_configured
from bot.api import ManualClock, build_rebound
from tests.support import shared_content
from tests.web.web_site import SECRET, START


async def _events(_request: web.Request) -> web.Response:
    return web.Response(text="ok")


async def test_mounted_beside_slack_s_routes(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    core = await build_rebound(sqlite_url, ManualClock(START), content=shared_content())
    try:
        app = web.Application()
        app.router.add_post("/slack/events", _events)
        assert mount_if_configured(app, core) is False  # no secret: not served
        monkeypatch.setenv("REBOUND_WEB_SECRET", SECRET)
        monkeypatch.setenv("SLACK_CLIENT_ID", "id")
        monkeypatch.setenv("SLACK_CLIENT_SECRET", "secret")
        assert mount_if_configured(app, core) is True
        async with TestClient(TestServer(app)) as client:
            page = await client.get("/outcomes")
            assert page.status == 401 and "Please sign in" in await page.text()
            assert "Content-Security-Policy" in page.headers
            signin = await client.get("/")
            assert "Sign in with Slack" in await signin.text()
            events = await client.post("/slack/events")
            assert (events.status, await events.text()) == (200, "ok")
            assert "Content-Security-Policy" not in events.headers
            missing = await client.get("/slack/nowhere")
            assert missing.status == 404 and "No such page" not in await missing.text()
    finally:
        await core.close()
