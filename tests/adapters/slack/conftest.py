"""Fixtures for the Slack adapter's tests: a workspace on a fresh database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.adapters.slack.workspace import Workspace, workspace


@pytest.fixture
async def slack(sqlite_url: str) -> AsyncIterator[Workspace]:
    async with workspace(sqlite_url) as ws:
        yield ws
