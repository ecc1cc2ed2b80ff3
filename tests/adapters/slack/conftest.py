"""Fixtures for the Slack adapter's tests: a workspace on a fresh database, served over
real HTTP or not."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
from aiohttp import web

from tests.adapters.slack.workspace import Workspace, workspace


@pytest.fixture
async def slack(sqlite_url: str) -> AsyncIterator[Workspace]:
    async with workspace(sqlite_url) as ws:
        yield ws


@dataclass
class Served:
    ws: Workspace
    url: str
    http: aiohttp.ClientSession

    async def post(self, body: str | bytes, headers: dict[str, str]) -> tuple[int, str]:
        async with self.http.post(f"{self.url}/slack/events", data=body, headers=headers) as r:
            return r.status, await r.text()


@pytest.fixture
async def served(sqlite_url: str) -> AsyncIterator[Served]:
    async with workspace(sqlite_url) as ws:
        runner = web.AppRunner(ws.adapter.web_app(), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        port = runner.addresses[0][1]
        async with aiohttp.ClientSession() as http:
            yield Served(ws, f"http://127.0.0.1:{port}", http)
        await runner.cleanup()
