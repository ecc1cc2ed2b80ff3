"""An Events API delivery acknowledged and never decided (its process stopped between the
two): stored as it came, decided by the next replay, answered where it was written, once.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.lifecycle import InFlight, Job
from tests.adapters.slack.workspace import SUPPORT, Workspace

POSTER = "U0LENA"
WAITED = timedelta(seconds=10)


@contextmanager
def decisions_lost(in_flight: InFlight, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The work queued after an ack is dropped, as a SIGKILL right after the ack drops it."""
    with monkeypatch.context() as patch:

        def dropped(job: Job, what: str) -> None:
            del job, what

        patch.setattr(in_flight, "after_ack", dropped)
        yield


def rows(database: Path, table: str) -> int:
    with sqlite3.connect(database) as db:
        return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


async def test_an_acknowledged_message_left_undecided_is_decided_by_the_replay(
    slack: Workspace, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = Path(sqlite_url.split("///", 1)[1])
    ts = slack.requests.next_ts()
    message = slack.requests.message(POSTER, "Rejected after the final round.", SUPPORT, ts=ts)
    with decisions_lost(slack.adapter.in_flight, monkeypatch):
        response = await slack.event(message, event_id="EvLOST0001")
        assert response.status == 200  # acknowledged: stored as it came
        again = await slack.event(message, event_id="EvLOST0001")  # Slack's retry
        assert again.status == 200
    assert (rows(database, "accepted_event"), rows(database, "setback")) == (1, 0)

    assert await slack.adapter.replay_accepted() == 0  # it may still be being decided
    slack.clock.advance(WAITED)
    assert await slack.adapter.replay_accepted() == 1
    assert (rows(database, "accepted_event"), rows(database, "setback")) == (0, 1)
    in_its_thread = [c for c in slack.fake.posts(SUPPORT) if c.params.get("thread_ts") == ts]
    assert len(in_its_thread) == 1  # the post's status message, where the message was

    slack.clock.advance(WAITED)
    assert await slack.adapter.replay_accepted() == 0
    assert len(slack.fake.posts(SUPPORT)) == len(in_its_thread)
