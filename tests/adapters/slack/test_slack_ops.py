"""/healthz, /readyz and /metrics beside Slack's events: a story's counts, scraped over HTTP."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from adapters.ops_http import Ops
from bot.store.engine import create_engine
from bot.store.ops_repo import head_revision
from tests.adapters.slack.conftest import Served
from tests.adapters.slack.demo_story import LENA, TOMAS, play
from tests.adapters.slack.fake_slack import rate_limited, server_error
from tests.adapters.slack.slack_requests import JSON
from tests.adapters.slack.workspace import PEOPLE, SUPPORT, Workspace

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(served: Served) -> tuple[str, Samples]:
    """The exposition, and its samples by name and labels."""
    async with served.http.get(f"{served.url}/metrics") as response:
        assert response.status == 200
        assert response.content_type == "text/plain"
        body = await response.text()
    samples = {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(body)
        for s in family.samples
    }
    return body, samples


def total(samples: Samples, name: str, **labels: str) -> float:
    """The sum of `name`'s samples whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(v for (n, got), v in samples.items() if n == name and wanted <= got)


async def db_count(ws: Workspace, sql: str) -> int:
    async with ws.adapter.core.store.engine.connect() as db:
        return int((await db.execute(text(sql))).scalar_one())


async def test_readyz_is_ready_after_auth_test_with_a_migrated_database(served: Served) -> None:
    async with served.http.get(f"{served.url}/healthz") as health:
        assert health.status == 200
    async with served.http.get(f"{served.url}/readyz") as ready:
        assert ready.status == 200
        assert await ready.json() == {"database": "ok", "slack": "ok"}


async def test_readyz_is_not_ready_before_auth_test_passed(served: Served) -> None:
    served.ws.adapter.started = False  # as before `start`
    async with served.http.get(f"{served.url}/readyz") as ready:
        assert ready.status == 503
        assert (await ready.json())["slack"] == "not connected"


async def test_readyz_is_not_ready_on_a_database_behind_the_newest_migration(
    served: Served,
) -> None:
    async with served.ws.adapter.core.store.engine.begin() as db:
        await db.execute(text("UPDATE alembic_version SET version_num = '0005'"))
    async with served.http.get(f"{served.url}/readyz") as ready:
        assert ready.status == 503
        verdict = (await ready.json())["database"]
        assert verdict.startswith(f"at 0005, needs {head_revision()}"), verdict
        assert "rebound migrate" in verdict


async def test_readyz_is_not_ready_on_a_database_never_migrated(served: Served) -> None:
    async with served.ws.adapter.core.store.engine.begin() as db:
        await db.execute(text("DROP TABLE alembic_version"))
    async with served.http.get(f"{served.url}/readyz") as ready:
        assert ready.status == 503
        verdict = (await ready.json())["database"]
        assert verdict == f"at no migration, needs {head_revision()} (run rebound migrate)"


async def test_readyz_is_not_ready_when_the_database_cannot_be_reached(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'rebound.db'}")
    ops = Ops(engine)
    ops.require("platform", lambda: True)
    try:
        assert await ops.verdicts() == {
            "database": "unreachable (OperationalError)",
            "platform": "ok",
        }
    finally:
        await engine.dispose()


async def test_metrics_count_what_a_story_did(served: Served) -> None:
    ws = served.ws
    await play(ws)
    # One redelivery: Slack sends an event again with its id.
    message = ws.requests.message(
        LENA,
        "One more thought.",
        SUPPORT,
        ts=ws.fake.hold_message(SUPPORT, LENA, "One more thought.", None),
    )
    await ws.event(message, event_id="EvAGAIN1")
    await ws.event(message, event_id="EvAGAIN1")
    # Over HTTP, so the acknowledgement is timed.
    body = ws.requests.event(
        ws.requests.message(
            LENA, "Over HTTP.", SUPPORT, ts=ws.fake.hold_message(SUPPORT, LENA, "Over HTTP.", None)
        )
    )
    async with served.http.post(
        f"{served.url}/slack/events", data=body, headers=ws.requests.headers(body, JSON)
    ) as r:
        assert r.status == 200
    assert await ws.adapter.in_flight.drain(10)
    # A 429 (retried by the client after Retry-After) and a 500 (the row waits to be retried).
    ws.fake.script("chat.postMessage", rate_limited(), server_error())
    await ws.say(TOMAS, "Another setback: no answer after the take-home.")
    await ws.wait(timedelta(hours=1))

    exposition, samples = await scrape(served)

    processed = await db_count(ws, "SELECT count(*) FROM processed_event")
    applied = total(samples, "rebound_events_total", result="applied")
    refused = total(samples, "rebound_events_total", result="refused")
    # Every applied or refused event is recorded, but one answered with a form alone (it
    # changed nothing, see Store.claiming): at most one per form opened.
    forms_opened = len(ws.fake.of("views.open"))
    assert processed < applied + refused <= processed + forms_opened
    assert refused >= 1  # someone else marking the best answer on Lena's post
    assert total(samples, "rebound_events_total", result="redelivery") == 1
    assert total(samples, "rebound_events_total", result="failed") == 0
    assert total(samples, "rebound_event_handling_seconds_count") == applied + refused + 1
    assert total(samples, "rebound_ack_seconds_count", adapter="slack_http") == 1

    delivered = await db_count(ws, "SELECT count(*) FROM outbound WHERE delivered_at IS NOT NULL")
    assert total(samples, "rebound_outbound_total", outcome="delivered") == delivered
    assert total(samples, "rebound_outbound_rows", state="delivered") == delivered
    assert total(samples, "rebound_outbound_rows", state="pending") == 0
    assert total(samples, "rebound_outbound_total", outcome="retried") == 1
    assert total(samples, "rebound_outbound_total", outcome="given_up") == 0

    for kind in ("best_reminder", "outcome_ask", "close"):
        fired = await db_count(
            ws, f"SELECT count(*) FROM follow_up WHERE kind = '{kind}' AND done_at IS NOT NULL"
        )
        assert fired >= 1
        assert total(samples, "rebound_follow_ups_fired_total", kind=kind) == fired
    assert total(samples, "rebound_platform_errors_total", platform="slack", status="429") == 1
    assert total(samples, "rebound_platform_errors_total", platform="slack", status="500") == 1
    assert total(samples, "rebound_communities", platform="slack") == 1

    # Labels are closed vocabularies: no member, no community id, no words.
    for member in PEOPLE:
        assert member not in exposition
    assert ws.adapter.community_id is not None
    assert ws.adapter.community_id not in exposition
    for words in ("thought", "Screening", "analyst", "HTTP."):
        assert words not in exposition


async def test_follow_ups_due_are_counted_at_scrape(served: Served) -> None:
    ws = served.ws
    await ws.share(LENA)
    ws.clock.advance(timedelta(days=30))
    _, samples = await scrape(served)
    due = await db_count(ws, "SELECT count(*) FROM follow_up WHERE done_at IS NULL")
    assert due >= 1
    assert total(samples, "rebound_follow_ups_due") == due
    await ws.wait(timedelta(0))
    _, samples = await scrape(served)
    assert total(samples, "rebound_follow_ups_due") == 0


async def test_events_acknowledged_and_not_decided_are_counted_at_scrape(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = served.ws
    message = ws.requests.message(LENA, "Rejected again.", SUPPORT, ts=ws.requests.next_ts())
    monkeypatch.setattr(ws.adapter.in_flight, "after_ack", lambda job, what: None)  # lost
    assert (await ws.event(message)).status == 200
    monkeypatch.undo()
    _, samples = await scrape(served)
    assert total(samples, "rebound_events_waiting", platform="slack") == 1

    ws.clock.advance(timedelta(seconds=10))
    assert await ws.adapter.replay_accepted() == 1
    _, samples = await scrape(served)
    assert total(samples, "rebound_events_waiting") == 0
