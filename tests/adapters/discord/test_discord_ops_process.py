"""The real `rebound discord` process: /healthz, /readyz and /metrics on REBOUND_HTTP_PORT,
and a SIGTERM in the middle of a scheduler tick that neither loses nor repeats anything.

The database is seeded like the crash test's: six posts whose forum threads wait in the
outbox, their outcome asks due long ago, so the first ticks have work in hand.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from tests.adapters.discord import payloads as p
from tests.adapters.discord.conftest import EVERYONE, uid
from tests.adapters.discord.fake_discord import FakeDiscord
from tests.adapters.discord.test_discord_crash import (
    POSTERS,
    all_done,
    assert_one_thread_and_one_ask_each,
    environment,
    seed,
)
from tests.processes import eventually, running, scalar


async def get(url: str) -> tuple[int, str]:
    try:
        async with aiohttp.ClientSession() as http, http.get(url) as response:
            return response.status, await response.text()
    except aiohttp.ClientError:
        return 0, ""


def total(exposition: str, name: str, **labels: str) -> float:
    wanted = set(labels.items())
    return float(
        sum(
            s.value
            for family in text_string_to_metric_families(exposition)
            for s in family.samples
            if s.name == name and wanted <= set(s.labels.items())
        )
    )


DELIVERED = "SELECT count(*) FROM outbound WHERE delivered_at IS NOT NULL"
ASKED = "SELECT count(*) FROM follow_up WHERE kind = 'outcome_ask' AND done_at IS NOT NULL"


async def settled(base: str, database_url: str) -> tuple[str, int, int]:
    """/metrics, and the delivered rows and fired asks in the database, read between two
    scrapes whose counters agree (the process may still be working)."""
    counters = ("rebound_outbound_total", "rebound_follow_ups_fired_total")
    async with asyncio.timeout(60):
        while True:
            status, before = await get(f"{base}/metrics")
            assert status == 200
            delivered = await scalar(database_url, DELIVERED)
            fired = await scalar(database_url, ASKED)
            _, after = await get(f"{base}/metrics")
            if all(total(before, name) == total(after, name) for name in counters):
                return after, delivered, fired
            await asyncio.sleep(0.2)


async def started_fake() -> FakeDiscord:
    fake = FakeDiscord(members=[dict(m) for m in EVERYONE])
    await fake.start()
    return fake


async def test_ready_once_the_gateway_is_ready_and_metrics_count_the_ticks(
    sqlite_url: str, tmp_path: Path
) -> None:
    await seed(sqlite_url)
    fake = await started_fake()
    # The first forum post gets a 500, then a 429: discord.py waits and retries both, and
    # both are counted. (The seeded rows' first failure is weeks old: one more failure of
    # the outbox's own would give them up.)
    forum = rf"/channels/{p.FORUM_ID}/threads"
    fake.fail("POST", forum, 500, body={"message": "oops"})
    fake.fail(
        "POST",
        forum,
        429,
        body={"message": "slow down", "retry_after": 0.05, "global": False},
        headers={"Retry-After": "0.05", "X-RateLimit-Scope": "user", "Via": "1.1 google"},
    )
    env = {**environment(fake, sqlite_url), "REBOUND_HTTP_PORT": "0"}
    try:
        async with running(["discord"], env, tmp_path / "rebound.log") as rebound:
            base = await rebound.ops_base_url()

            async def ready() -> bool:
                return (await get(f"{base}/readyz"))[0] == 200

            await eventually(ready, timeout_s=60)
            assert await get(f"{base}/healthz") == (200, "ok")
            await eventually(lambda: all_done(sqlite_url), timeout_s=60)
            exposition, delivered, fired = await settled(base, sqlite_url)
            assert rebound.process.returncode is None
            code = await rebound.stop()
        assert code == 0
    finally:
        await fake.stop()

    # Every delivered row was delivered by this process (the seed's all failed).
    assert delivered >= len(POSTERS)  # a thread each (an ask may wait for its thread)
    assert total(exposition, "rebound_outbound_total", outcome="delivered") == delivered
    assert total(exposition, "rebound_outbound_total", outcome="given_up") == 0
    assert fired >= 1
    assert total(exposition, "rebound_follow_ups_fired_total", kind="outcome_ask") == fired
    assert total(exposition, "rebound_outbound_rows", state="pending") == 0
    assert total(exposition, "rebound_communities", platform="discord") == 1
    assert total(exposition, "rebound_platform_errors_total", platform="discord", status="500") == 1
    assert total(exposition, "rebound_platform_errors_total", platform="discord", status="429") == 1
    for who in EVERYONE:
        assert uid(who) not in exposition


async def test_readyz_says_not_ready_while_the_gateway_is_down(
    sqlite_url: str, tmp_path: Path
) -> None:
    fake = await started_fake()
    env = {**environment(fake, sqlite_url), "REBOUND_HTTP_PORT": "0"}
    env["DISCORD_GATEWAY_URL"] = "ws://127.0.0.1:9/"  # nothing listens there
    try:
        async with running(["discord"], env, tmp_path / "rebound.log") as rebound:
            base = await rebound.ops_base_url()

            async def answered() -> bool:
                return (await get(f"{base}/readyz"))[0] != 0

            await eventually(answered, timeout_s=60)
            status, body = await get(f"{base}/readyz")
            assert status == 503
            assert '"discord_gateway": "not connected"' in body
            assert '"database": "ok"' in body
    finally:
        await fake.stop()


async def test_sigterm_during_a_tick_fires_nothing_twice_and_loses_nothing(
    sqlite_url: str, tmp_path: Path
) -> None:
    await seed(sqlite_url)
    fake = await started_fake()
    fake.delay_s = 0.1  # each call slow: the tick is mid-batch when the stop comes
    env = environment(fake, sqlite_url)
    log = tmp_path / "rebound.log"
    try:
        async with running(["discord"], env, log) as first:

            async def mid_tick() -> bool:
                return len(fake.made) >= 2

            await eventually(mid_tick, timeout_s=60, every_s=0.05)
            assert not await all_done(sqlite_url)
            assert await first.stop() == 0
        # The pass in hand finished (within the stop budget), it was not cut short.
        assert "did not finish" not in log.read_text()
        fake.delay_s = 0.0
        async with running(["discord"], env, log):
            await eventually(lambda: all_done(sqlite_url), timeout_s=60)
    finally:
        await fake.stop()

    assert_one_thread_and_one_ask_each(fake)
    assert "Traceback" not in log.read_text()


class ShardRecordingDiscord(FakeDiscord):
    """The fake, noting the shard each IDENTIFY asked for."""

    identified_shards: list[list[int] | None]

    async def _identify(self, shard: list[int] | None) -> None:
        self.identified_shards.append(shard)
        await super()._identify(shard)


async def test_one_process_per_shard_identifies_as_its_shard(
    sqlite_url: str, tmp_path: Path
) -> None:
    fake = ShardRecordingDiscord(members=[dict(m) for m in EVERYONE])
    fake.identified_shards = []
    await fake.start()
    env = {
        **environment(fake, sqlite_url),
        "REBOUND_HTTP_PORT": "0",
        "DISCORD_SHARD_COUNT": "2",
        "DISCORD_SHARD_ID": "1",
    }
    try:
        async with running(["discord"], env, tmp_path / "rebound.log") as rebound:
            base = await rebound.ops_base_url()

            async def ready() -> bool:
                return (await get(f"{base}/readyz"))[0] == 200

            await eventually(ready, timeout_s=60)
            assert fake.identified_shards == [[1, 2]]
            assert await rebound.stop() == 0
    finally:
        await fake.stop()
