"""The real `rebound discord` process, killed mid-batch and restarted: one forum thread per
post, every member asked once.

Six members posted while Discord was failing forum posts (503), so their threads wait in the
outbox; their outcome asks are due long before today. The process starts against a fake
Discord answering slowly and is SIGKILLed before its first thread is made, between two, or
while Discord has made one but not answered. After a restart, every post has exactly one
thread, every outbox row made at most one message, and nothing is left undelivered.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.adapters.discord import payloads as p
from tests.adapters.discord.conftest import EVERYONE, Actions, connected, uid
from tests.adapters.discord.fake_discord import FakeDiscord
from tests.processes import KILL_POINTS, crash_then_recover, eventually, scalar

POSTERS = EVERYONE
LEASE_S = "3"

PENDING_ROWS = "SELECT count(*) FROM outbound WHERE delivered_at IS NULL"
DUE_FOLLOW_UPS = (
    "SELECT count(*) FROM follow_up WHERE done_at IS NULL AND due_at <= CURRENT_TIMESTAMP"
)
THREADLESS_POSTS = "SELECT count(*) FROM setback WHERE thread_ref IS NULL"


async def seed(database_url: str) -> None:
    """Six posts whose forum threads Discord refused for now (503): left in the outbox."""
    async with connected(database_url) as world:
        act = Actions(world)
        forum = rf"/channels/{p.FORUM_ID}/threads"
        world.fake.fail("POST", forum, 503, body={"message": "unavailable"}, times=len(POSTERS))
        for n, who in enumerate(POSTERS):
            modal = await act.open_setback(who)
            fields = {"title": f"Panel {n}", "body": "It went badly.", "ask_outcome_on": "3d"}
            await act.interact(p.modal_submit(who, modal["custom_id"], fields))
        assert world.fake.forum_posts() == []


def environment(fake: FakeDiscord, database_url: str) -> dict[str, str]:
    return {
        "DISCORD_TOKEN": "fake-bot-token-never-logged",
        "DISCORD_SUPPORT_FORUM_ID": str(p.FORUM_ID),
        "DISCORD_HELPERS_CHANNEL_ID": str(p.HELPERS_ID),
        "DISCORD_MODERATOR_ROLE_ID": str(p.MOD_ROLE_ID),
        "DISCORD_COMMAND_GUILD_IDS": f"[{p.GUILD_ID}]",
        "DISCORD_API_URL": fake.api_url,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
        "DISCORD_TICK_SECONDS": "1",
        "REBOUND_DATABASE_URL": database_url,
        "REBOUND_OUTBOX_LEASE_SECONDS": LEASE_S,
    }


async def all_done(database_url: str) -> bool:
    return (
        await scalar(database_url, PENDING_ROWS) == 0
        and await scalar(database_url, DUE_FOLLOW_UPS) == 0
        and await scalar(database_url, THREADLESS_POSTS) == 0
    )


def arm(fake: FakeDiscord, kill_point: str) -> None:
    match kill_point:
        case "before_the_first_call":
            fake.hold()
        case "between_calls":
            fake.hold(after=2)
        case "during_an_unanswered_call":
            fake.hold(after=2, acted=True)


async def until(fake: FakeDiscord, check: Callable[[FakeDiscord], bool]) -> None:
    async def holds() -> bool:
        return check(fake)

    await eventually(holds, timeout_s=60, every_s=0.05)


async def reached(fake: FakeDiscord, kill_point: str) -> None:
    match kill_point:
        case "before_the_first_call":
            await until(fake, lambda f: f.arrivals() >= 1)
            assert fake.made == []
        case "between_calls":
            await until(fake, lambda f: f.arrivals() >= 3)
            assert len(fake.made) == 2
        case "during_an_unanswered_call":
            await until(fake, lambda f: any(c.status == 0 for c in f.calls))
            assert len(fake.made) == 3


def assert_one_thread_and_one_ask_each(fake: FakeDiscord) -> None:
    """Every post has one thread (made, answered or not), every poster was asked once, and
    no message was made twice."""
    threads = [c for c in fake.channels.values() if c.get("parent_id") == str(p.FORUM_ID)]
    assert Counter(t["name"] for t in threads) == Counter(
        {f"Panel {n}": 1 for n in range(len(POSTERS))}
    )
    asked = Counter(
        user
        for user, channel in fake.dm_channels.items()
        for m in fake.made_in(channel)
        if "turn out" in m["content"]
    )
    assert asked == Counter({uid(who): 1 for who in POSTERS})
    by_content = Counter((m["channel_id"], m["content"]) for m in fake.made)
    assert [key for key, n in by_content.items() if n > 1] == []


@pytest.mark.parametrize("kill_point", KILL_POINTS)
async def test_killed_mid_batch_then_restarted_one_thread_per_post_one_ask_each(
    sqlite_url: str, tmp_path: Path, kill_point: str
) -> None:
    await seed(sqlite_url)
    fake = FakeDiscord(members=[dict(m) for m in EVERYONE])
    await fake.start()
    fake.delay_s = 0.2
    arm(fake, kill_point)
    env = environment(fake, sqlite_url)
    log = tmp_path / "rebound.log"
    try:
        await crash_then_recover(
            ["discord"],
            env,
            log,
            kill_when=lambda: reached(fake, kill_point),
            restart_when=fake.release,
            done=lambda: all_done(sqlite_url),
        )

        assert_one_thread_and_one_ask_each(fake)
        assert "Traceback" not in log.read_text()
    finally:
        await fake.stop()
