"""Installed into many workspaces, a process keeps at most SLACK_WORKSPACE_CACHE_SIZE of
them in memory; one it forgot is built again from the database when it is needed."""

from __future__ import annotations

from adapters.slack.inbound import community_id
from adapters.slack.workspaces import InstalledWorkspaces
from tests.adapters.slack.installs import host
from tests.adapters.slack.workspace import SUPPORT

TEAMS = ("T0ALPHA", "T0BRAVO", "T0CHARLIE")


async def test_the_workspaces_kept_in_memory_are_bounded(sqlite_url: str) -> None:
    async with host(sqlite_url, workspace_cache_size=2) as h:
        workspaces = h.adapter.workspaces
        assert isinstance(workspaces, InstalledWorkspaces)
        members = [await h.install(team) for team in TEAMS]
        for member in members:
            await member.share("U0LENA", title="Ghosted", body="Three weeks of silence.")

        assert (len(workspaces), workspaces.capacity) == (2, 2)
        assert community_id("T0ALPHA") not in workspaces

        # The least recently used, forgotten: built again from its installation.
        await members[0].share("U0LENA", title="Again", body="Another silence.")

        assert h.fake.posts(SUPPORT)[-1].token == h.token_of("T0ALPHA")
        assert len(workspaces) == 2
        assert community_id("T0ALPHA") in workspaces
