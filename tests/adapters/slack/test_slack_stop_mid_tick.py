"""The real `rebound slack` process stopped with SIGTERM in the middle of a tick: it exits 0
after the pass in hand, and after a restart every outbox row made one message, every member
was asked once, and nothing is left undelivered (the seed is the crash test's)."""

from __future__ import annotations

from pathlib import Path

from tests.adapters.slack.fake_slack import FakeSlack
from tests.adapters.slack.test_slack_crash import (
    POSTERS,
    all_done,
    assert_once_each,
    delivered_rows,
    environment,
    seed,
)
from tests.processes import eventually, running


async def test_sigterm_mid_tick_exits_0_then_a_restart_sends_the_rest_once(
    sqlite_url: str, tmp_path: Path
) -> None:
    await seed(sqlite_url)
    fake = FakeSlack()
    await fake.start()
    fake.delay_s = 0.1  # each call slow: the tick is mid-batch when the stop comes
    env = environment(fake, sqlite_url)
    log = tmp_path / "rebound.log"
    try:
        async with running(["slack", "--port", "0"], env, log) as first:
            await fake.wait_for(lambda f: len(f.posts()) >= 2, 60)
            assert not await all_done(sqlite_url)
            assert await first.stop() == 0
        made_before_restart = len(fake.made())
        assert made_before_restart >= 2
        assert "did not finish" not in log.read_text()  # the pass ended, not cut short
        fake.delay_s = 0.0
        async with running(["slack", "--port", "0"], env, log):
            await eventually(lambda: all_done(sqlite_url), timeout_s=60)
        assert_once_each(fake, expect_rows=len(POSTERS))
        assert await delivered_rows(sqlite_url) >= len(fake.made())
        assert "Traceback" not in log.read_text()
    finally:
        await fake.stop()
