"""`rebound outbox list|retry`: given-up rows are listed with their code, and retried by hand."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from adapters.cli import app
from bot.contract.ports import DeliveryFailed, FailureKind
from bot.store.repo import OutboxState
from tests.core.test_delivery_failures import CONSOLE, Platform, states
from tests.support import MAYA, harness


async def _give_up_one(url: str) -> None:
    async with harness(url) as h:
        await h.post(MAYA, ask_outcome_on="2d")
        platform = Platform(h.clock.now)
        platform.refusals[MAYA.user_id] = DeliveryFailed("is_archived", FailureKind.PERMANENT)
        h.clock.advance(timedelta(days=2))
        await h.core.tick(lambda _c: platform, CONSOLE)


async def _given_up(url: str) -> int:
    async with harness(url) as h:
        return (await states(h))[OutboxState.GIVEN_UP]


def test_list_shows_given_up_rows_and_retry_makes_them_pending(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    asyncio.run(_give_up_one(sqlite_url))
    monkeypatch.setenv("REBOUND_DATABASE_URL", sqlite_url)
    runner = CliRunner()

    listed = runner.invoke(app, ["outbox", "list"])
    assert listed.exit_code == 0, listed.output
    assert "given_up: 1" in listed.output
    assert "permanent is_archived" in listed.output
    assert MAYA.user_id not in listed.output and MAYA.display_name not in listed.output
    row_id = next(line.split()[0] for line in listed.output.splitlines() if "is_archived" in line)

    assert runner.invoke(app, ["outbox", "retry"]).exit_code == 2
    retried = runner.invoke(app, ["outbox", "retry", row_id])
    assert retried.exit_code == 0, retried.output
    assert "1 row(s)" in retried.output
    assert asyncio.run(_given_up(sqlite_url)) == 0
    assert "given_up: 0" in runner.invoke(app, ["outbox", "list"]).output
    assert "0 row(s)" in runner.invoke(app, ["outbox", "retry", "--all"]).output
