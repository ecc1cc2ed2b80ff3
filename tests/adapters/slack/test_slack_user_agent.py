"""Rebound's Web API calls say which Rebound made them, with the package metadata's version."""

from __future__ import annotations

from importlib import metadata

from tests.adapters.slack.workspace import Workspace


async def test_web_api_calls_carry_rebounds_version(slack: Workspace) -> None:
    await slack.share("U-lena", title="Rejected after the final round")
    await slack.share("U-sam", title="Ghosted after three rounds")
    suffix = f"Rebound/{metadata.version('rebound')}"
    # bolt's own authorization check (auth.test) goes through bolt's client, not Rebound's.
    ours = [c for c in slack.fake.calls if c.method != "auth.test"]
    assert {c.method for c in ours} >= {"views.open", "chat.postMessage"}
    assert all(c.user_agent.endswith(f" {suffix}") for c in ours), {c.user_agent for c in ours}
    assert all(f"slackclient/{metadata.version('slack-sdk')} " in c.user_agent for c in ours)
    start = next(c for c in slack.fake.calls if c.method == "auth.test")
    assert start.user_agent.endswith(f" {suffix}")
