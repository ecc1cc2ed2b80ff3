"""Two real `rebound discord` processes as the two shards of one bot (DISCORD_SHARD_COUNT=2,
DISCORD_SHARD_ID 0 and 1) on one PostgreSQL database, against a fake Discord with two
servers, one a shard. Each shard is told only of its own guild's events, as on Discord;
each process serves only its own guild: its posts, its replies, and its follow-ups when
200 outcome asks fall due at once. Nothing is done twice, nothing is lost.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select, text

from bot.common.clock import ManualClock
from bot.domain.model import CommunitySettings
from bot.engine.bootstrap import build_rebound
from bot.store.community_settings_repo import CommunitySettingsStore, CommunitySetup
from bot.store.engine import create_engine
from bot.store.statements import FOLLOW_UP, OUTBOUND, OUTCOME, REPLY, SETBACK
from tests.adapters.discord import payloads as p
from tests.adapters.discord.conftest import EVERYONE, buttons_in, uid
from tests.adapters.discord.sharded_discord import SERVERS, SHARDS, Server, ShardedDiscord, in_guild
from tests.processes import Rebound, eventually, running

pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("replica_processes")]

POSTS_EACH = 100
REPLIED_EACH = 20
MODAL = 9  # the interaction callback that shows a modal


def community(server: Server) -> str:
    return f"discord:{server.guild_id}"


def token(shard: int) -> str:
    return f"fake-token-of-shard-{shard}"


async def set_up(database_url: str) -> None:
    """Both servers set up with /rebound setup earlier (stored, as the processes read it)."""
    now = datetime(2026, 3, 2, 9, tzinfo=UTC)
    core = await build_rebound(database_url, ManualClock(now), worker="seed")
    try:
        setups = CommunitySettingsStore(core.store)
        for server in SERVERS:
            settings = CommunitySettings(
                support_channel=str(server.forum_id), helpers_channel=str(server.helpers_id)
            )
            await core.ensure_community(community(server), "discord", settings)
            setup = CommunitySetup(settings, {}, now.isoformat())
            await setups.save(community(server), setup, "seed", now)
    finally:
        await core.close()


async def ready(rebound: Rebound) -> None:
    base = await rebound.ops_base_url()

    async def answers() -> bool:
        try:
            async with aiohttp.ClientSession() as http, http.get(f"{base}/readyz") as response:
                return response.status == 200
        except aiohttp.ClientError:
            return False

    await eventually(answers, timeout_s=90)


@asynccontextmanager
async def shards(fake: ShardedDiscord, database_url: str, folder: Path) -> AsyncIterator[None]:
    async with AsyncExitStack() as stack:
        started = []
        for shard in range(SHARDS):
            env = {
                "DISCORD_TOKEN": token(shard),
                "DISCORD_API_URL": fake.api_url,
                "DISCORD_GATEWAY_URL": fake.gateway_url,
                "DISCORD_SHARD_COUNT": str(SHARDS),
                "DISCORD_SHARD_ID": str(shard),
                "DISCORD_TICK_SECONDS": "1",
                "REBOUND_DATABASE_URL": database_url,
                "REBOUND_HTTP_PORT": "0",
            }
            log = folder / f"shard-{shard}.log"
            started.append(await stack.enter_async_context(running(["discord"], env, log)))
        for rebound in started:
            await ready(rebound)
        yield
        for rebound in started:
            assert await rebound.stop() == 0
            assert "Traceback" not in rebound.output()


class Db:
    def __init__(self, url: str) -> None:
        self.engine = create_engine(url)

    async def scalar(self, query: Any) -> int:
        async with self.engine.connect() as db:
            return int((await db.execute(query)).scalar_one())

    async def until(self, query: Any, wanted: int, what: str) -> None:
        async def reached() -> bool:
            return await self.scalar(query) == wanted

        try:
            await eventually(reached, timeout_s=120, every_s=0.1)
        except TimeoutError:
            pytest.fail(f"{what}: {await self.scalar(query)} of {wanted}")

    async def firing_processes(self, server: Server) -> set[str]:
        """The processes (by pid) whose workers fired the server's outcome asks."""
        owners = select(FOLLOW_UP.c.lease_owner).where(
            FOLLOW_UP.c.community_id == community(server), FOLLOW_UP.c.kind == "outcome_ask"
        )
        async with self.engine.connect() as db:
            return {str(o).split(":")[1] for o in (await db.execute(owners)).scalars()}


async def form_id(fake: ShardedDiscord, server: Server, *, anonymous: bool = False) -> str:
    """The setback form's id, from the modal `/setback` opens in `server`."""
    command = p.slash_command(EVERYONE[0], "setback", {"anonymous": anonymous})
    asked = in_guild(command, server.guild_id)
    await fake.interact(asked)

    def modal() -> dict[str, Any] | None:
        answers = (c.body for c in fake.calls if asked["token"] in c.path)
        return next((body for body in answers if _is_modal(body)), None)

    async def shown() -> bool:
        return modal() is not None

    await eventually(shown, timeout_s=30, every_s=0.05)
    found = modal()
    assert found is not None
    return str(found["data"]["custom_id"])


def _is_modal(body: dict[str, Any]) -> bool:
    return body.get("type") == MODAL


def title(server: Server, n: int) -> str:
    return f"{server.name} {n:03d}"


async def share_many(fake: ShardedDiscord, server: Server) -> None:
    custom_id = await form_id(fake, server)
    for n in range(POSTS_EACH):
        who = EVERYONE[n % len(EVERYONE)]
        fields = {"title": title(server, n), "body": "It went badly.", "ask_outcome_on": "3d"}
        await fake.interact(in_guild(p.modal_submit(who, custom_id, fields), server.guild_id))
        if n % 10 == 9:
            await asyncio.sleep(0.2)  # a stream, not one burst


async def reply_in_threads(fake: ShardedDiscord, server: Server) -> None:
    threads = sorted(fake.threads_in(server.forum_id), key=lambda t: int(t["id"]))
    for n, thread in enumerate(threads[:REPLIED_EACH]):
        helper = EVERYONE[(n + 1) % len(EVERYONE)]
        said = p.guild_message(p.snowflake(), thread["id"], helper, f"Reply {n}")
        await fake.dispatch("MESSAGE_CREATE", in_guild(said, server.guild_id))


def asks_made(fake: ShardedDiscord) -> Counter[str]:
    """Outcome asks Discord made, by the post they ask about."""
    names = {title(s, n) for s in SERVERS for n in range(POSTS_EACH)}
    dms = set(fake.dm_channels.values())
    return Counter(
        name
        for m in fake.made
        if m["channel_id"] in dms and "turn out" in m["content"]
        for name in names
        if f'"{name}"' in m["content"]
    )


async def test_two_shards_each_serve_their_own_guild_once_and_lose_nothing(
    postgres_url: str, tmp_path: Path
) -> None:
    await set_up(postgres_url)
    fake = ShardedDiscord(members=[dict(m) for m in EVERYONE])
    await fake.start()
    db = Db(postgres_url)
    try:
        async with shards(fake, postgres_url, tmp_path):
            await asyncio.gather(*(share_many(fake, server) for server in SERVERS))
            posts = select(func.count()).select_from(SETBACK)
            await db.until(posts, POSTS_EACH * len(SERVERS), "posts stored")
            threaded = select(func.count()).where(SETBACK.c.thread_ref.is_not(None))
            await db.until(threaded, POSTS_EACH * len(SERVERS), "posts with their thread")

            await asyncio.gather(*(reply_in_threads(fake, server) for server in SERVERS))
            replies = select(func.count()).select_from(REPLY)
            await db.until(replies, REPLIED_EACH * len(SERVERS), "replies stored")

            async with db.engine.begin() as connection:
                due = await connection.execute(
                    FOLLOW_UP.update()
                    .where(FOLLOW_UP.c.kind == "outcome_ask")
                    .values(due_at=func.now() - text("interval '1 minute'"))
                )
            assert due.rowcount == POSTS_EACH * len(SERVERS)
            asked = select(func.count()).where(
                FOLLOW_UP.c.kind == "outcome_ask", FOLLOW_UP.c.done_at.is_not(None)
            )
            await db.until(asked, POSTS_EACH * len(SERVERS), "asks fired")
            pending = select(func.count()).where(OUTBOUND.c.delivered_at.is_(None))
            await db.until(pending, 0, "outbox rows left undelivered")

        # Nothing twice, nothing lost: one thread a post in its own server's forum, one
        # ask a post, and no message made twice anywhere.
        for server in SERVERS:
            names = Counter(t["name"] for t in fake.threads_in(server.forum_id))
            assert names == Counter({title(server, n): 1 for n in range(POSTS_EACH)})
        assert asks_made(fake) == Counter(
            {title(s, n): 1 for s in SERVERS for n in range(POSTS_EACH)}
        )
        interaction_answers = p.GENERAL_ID_STR
        made = Counter(
            (m["channel_id"], m["content"])
            for m in fake.made
            if m["channel_id"] != interaction_answers
        )
        assert [key for key, count in made.items() if count > 1] == []
        assert await db.scalar(replies) == REPLIED_EACH * len(SERVERS)

        # Each shard's process served its own guild only: its forum, its follow-ups.
        for shard, server in enumerate(SERVERS):
            assert fake.tokens_calling(f"/channels/{server.forum_id}/") == {token(shard)}
        firing = [await db.firing_processes(server) for server in SERVERS]
        assert all(len(pids) == 1 for pids in firing), firing
        assert firing[0] != firing[1]
        for server in SERVERS:
            stored = select(func.count()).where(SETBACK.c.community_id == community(server))
            assert await db.scalar(stored) == POSTS_EACH
    finally:
        await db.engine.dispose()
        await fake.stop()


NOTE = "They called back for a second round."


def _words(body: dict[str, Any]) -> str:
    return str(body.get("content") or (body.get("data") or {}).get("content") or "")


async def _answered(fake: ShardedDiscord, interaction: dict[str, Any], kind: int) -> dict[str, Any]:
    """The callback answering `interaction` with response type `kind`."""

    def found() -> dict[str, Any] | None:
        return next(
            (
                c.body
                for c in fake.callbacks()
                if interaction["token"] in c.path and c.body.get("type") == kind
            ),
            None,
        )

    async def given() -> bool:
        return found() is not None

    await eventually(given, timeout_s=30, every_s=0.05)
    answer = found()
    assert answer is not None
    return answer


async def test_a_member_of_another_shards_server_answers_the_outcome_ask_by_dm(
    postgres_url: str, tmp_path: Path
) -> None:
    """Discord gives every direct message interaction to shard 0: the button on an ask of
    the second server (shard 1's) opens the form from shard 0, the outcome is recorded
    once and its thread update is posted once, by shard 1."""
    await set_up(postgres_url)
    fake = ShardedDiscord(members=[dict(m) for m in EVERYONE])
    await fake.start()
    db = Db(postgres_url)
    poster, server = EVERYONE[0], SERVERS[1]
    try:
        async with shards(fake, postgres_url, tmp_path):
            custom_id = await form_id(fake, server)
            fields = {"title": title(server, 0), "body": "It went badly.", "ask_outcome_on": "3d"}
            shared = p.modal_submit(poster, custom_id, fields)
            await fake.interact(in_guild(shared, server.guild_id))
            threaded = select(func.count()).where(SETBACK.c.thread_ref.is_not(None))
            await db.until(threaded, 1, "the post's thread")
            async with db.engine.begin() as connection:
                await connection.execute(
                    FOLLOW_UP.update()
                    .where(FOLLOW_UP.c.kind == "outcome_ask")
                    .values(due_at=func.now() - text("interval '1 minute'"))
                )
            await eventually(partial(_has_ask, fake, uid(poster)), timeout_s=60, every_s=0.1)
            ask = next(c for c in reversed(fake.dms_to(uid(poster))) if buttons_in(c.body))
            worked = next(b for b in buttons_in(ask.body) if b["label"] == "It worked")
            dm = int(fake.dm_channels[uid(poster)])

            pressed = p.button_press(
                poster, worked["custom_id"], ask.response, in_dm=True, channel_id=dm
            )
            await fake.interact(pressed)
            modal = (await _answered(fake, pressed, MODAL))["data"]
            submitted = p.modal_submit(
                poster,
                modal["custom_id"],
                {"result": ["worked"], "note": NOTE},
                in_dm=True,
                channel_id=dm,
            )
            await fake.interact(submitted)
            await db.until(select(func.count()).select_from(OUTCOME), 1, "outcomes recorded")
            thread = next(iter(fake.threads_in(server.forum_id)))["id"]

            async def updated() -> bool:
                return any(NOTE in _words(c.body) for c in fake.posts_in(thread))

            await eventually(updated, timeout_s=60, every_s=0.1)
            pending = select(func.count()).where(OUTBOUND.c.delivered_at.is_(None))
            await db.until(pending, 0, "outbox rows left undelivered")
            answers = [c for c in fake.callbacks() if submitted["token"] in c.path]
            assert answers, "the form's submission was answered (by shard 0, which got it)"

        assert await db.scalar(select(func.count()).select_from(OUTCOME)) == 1
        assert len([c for c in fake.posts_in(thread) if NOTE in _words(c.body)]) == 1
        # The thread is shard 1's to write in: its process posted the update.
        assert fake.tokens_calling(f"/channels/{thread}/messages") == {token(1)}
    finally:
        await db.engine.dispose()
        await fake.stop()


async def _has_ask(fake: ShardedDiscord, user_id: str) -> bool:
    return any(buttons_in(c.body) for c in fake.dms_to(user_id))


async def test_an_anonymous_poster_of_another_shards_server_replies_by_dm(
    postgres_url: str, tmp_path: Path
) -> None:
    """A private message (given to shard 0, like every DM) from the anonymous poster of a
    post in the second server is relayed to that post's thread once, by shard 1."""
    await set_up(postgres_url)
    fake = ShardedDiscord(members=[dict(m) for m in EVERYONE])
    await fake.start()
    db = Db(postgres_url)
    poster, server = EVERYONE[0], SERVERS[1]
    relayed = "Thank you, I will try that next time."
    try:
        async with shards(fake, postgres_url, tmp_path):
            custom_id = await form_id(fake, server, anonymous=True)
            fields = {"title": title(server, 0), "body": "It went badly."}
            shared = p.modal_submit(poster, custom_id, fields)
            await fake.interact(in_guild(shared, server.guild_id))
            threaded = select(func.count()).where(SETBACK.c.thread_ref.is_not(None))
            await db.until(threaded, 1, "the post's thread")
            thread = next(iter(fake.threads_in(server.forum_id)))["id"]

            channel = fake.dm_channels.setdefault(uid(poster), p.snowflake())
            said = p.message(p.snowflake(), channel, poster["user"], relayed, guild=False)
            await fake.dispatch("MESSAGE_CREATE", said)
            await db.until(select(func.count()).select_from(REPLY), 1, "the relayed reply")

            async def posted() -> bool:
                return any(relayed in _words(c.body) for c in fake.posts_in(thread))

            await eventually(posted, timeout_s=60, every_s=0.1)
            pending = select(func.count()).where(OUTBOUND.c.delivered_at.is_(None))
            await db.until(pending, 0, "outbox rows left undelivered")

        assert len([c for c in fake.posts_in(thread) if relayed in _words(c.body)]) == 1
        assert fake.tokens_calling(f"/channels/{thread}/messages") == {token(1)}
    finally:
        await db.engine.dispose()
        await fake.stop()
