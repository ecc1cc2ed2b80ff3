"""Two real `rebound slack` processes on one PostgreSQL database and one fake Slack.

Members press at the same instant through different replicas (two signed requests sent
together over real HTTP), round after round: the status message ends up showing exactly
the best answers the database holds, an outcome is recorded and posted once, each helper
is told once, and an author is thanked once per mark.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.slack.refs import MessageRef
from bot.contract.actions import Verb, action_id
from bot.store.engine import create_engine
from bot.store.migrate import upgrade
from bot.store.statements import FOLLOW_UP, OUTBOUND, OUTCOME, REPLY, SETBACK
from tests.adapters.slack.fake_slack import Call, FakeSlack, member
from tests.adapters.slack.process import LISTENING
from tests.adapters.slack.process import environment as slack_environment
from tests.adapters.slack.slack_requests import FORM, JSON, SlackRequests
from tests.adapters.slack.workspace import MODERATORS, PEOPLE, SUPPORT

# Two real processes each: one xdist worker runs these one after another, so that the
# replicas of one test do not starve those of another on a small machine.
pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("replica_processes")]

ROUNDS = 8
WAIT_S = 60.0
POLL_S = 0.05
LENA, SAM = "U0LENA", "U0SAM"
HELPER_IDS = ("U0TOMAS", "U0PRIYA", "U0DEV", "U0ADE")
MARK, UNMARK = "mark_best", "unmark_best"
Press = tuple[int, str, str, str]
PERMALINK = re.compile(r"/archives/(\w+)/p(\d+)")


@dataclass
class Replica:
    url: str
    process: subprocess.Popen[bytes]


@dataclass
class Cluster:
    """The fake Slack, two replicas, the database they share, and a member's HTTP client."""

    fake: FakeSlack
    replicas: tuple[Replica, Replica]
    db: AsyncEngine
    http: aiohttp.ClientSession
    requests: SlackRequests

    async def send(self, replica: int, body: str, content_type: str) -> None:
        headers = self.requests.headers(body, content_type)
        url = self.replicas[replica].url
        async with self.http.post(url, data=body.encode(), headers=headers) as response:
            assert response.status == 200, await response.text()

    async def send_retry(self, replica: int, body: str) -> None:
        """Slack's retry of an Events API delivery: the same body, signed again."""
        headers = {**self.requests.headers(body, JSON), **RETRIED}
        url = self.replicas[replica].url
        async with self.http.post(url, data=body.encode(), headers=headers) as response:
            assert response.status == 200, await response.text()

    async def interact(self, replica: int, payload: dict[str, Any]) -> None:
        await self.send(replica, self.requests.interaction(payload), FORM)

    async def together(self, *sends: Awaitable[None]) -> None:
        """Send requests at the same instant, each to its replica."""
        await asyncio.gather(*sends)

    # --- what members do ---------------------------------------------------------------------

    async def share(self, user: str, title: str) -> str:
        opened = len(self.fake.of("views.open"))
        body = self.requests.command(user, PEOPLE[user], "/setback", SUPPORT)
        await self.send(0, body, FORM)
        await self.fake.wait_for(lambda f: len(f.of("views.open")) > opened, WAIT_S)
        view = self.fake.of("views.open")[-1].params["view"]
        roots = len(self.fake.posts(SUPPORT))
        await self.submit(0, user, view, title=title, body="It went badly.")
        await self.fake.wait_for(lambda f: len(f.posts(SUPPORT)) > roots, WAIT_S)
        return self.fake.posts(SUPPORT)[-1].ref

    async def submit(self, replica: int, user: str, view: dict[str, Any], **values: Any) -> None:
        payload = self.requests.view_submission(user, PEOPLE[user], view, values)
        await self.interact(replica, payload)

    def reply_body(self, user: str, text: str, thread: str) -> tuple[str, str]:
        ts, root = self.requests.next_ts(), MessageRef.parse(thread)
        event = self.requests.message(user, text, root.channel, ts=ts, thread_ts=root.ts)
        return self.requests.event(event), str(MessageRef(root.channel, ts))

    def shortcut(self, user: str, callback_id: str, ref: str) -> dict[str, Any]:
        at = MessageRef.parse(ref)
        return self.requests.shortcut(user, PEOPLE[user], callback_id, at.channel, at.ts)

    def button(self, user: str, action: str) -> dict[str, Any]:
        return self.requests.button(user, PEOPLE[user], action, f"D{user}", "1.0")

    # --- what the database and Slack hold ----------------------------------------------------

    async def schedulers_of(self, kind: str) -> int:
        """How many processes fired follow-ups of `kind` (a worker id is host:pid:suffix,
        one per sender of a process)."""
        owners = select(FOLLOW_UP.c.lease_owner).where(
            FOLLOW_UP.c.kind == kind, FOLLOW_UP.c.done_at.is_not(None)
        )
        async with self.db.connect() as db:
            found = (await db.execute(owners)).scalars()
            return len({str(owner).split(":")[1] for owner in found if owner})

    async def scalar(self, query: Any) -> Any:
        async with self.db.connect() as db:
            return (await db.execute(query)).scalar()

    async def until(self, check: Callable[[], Awaitable[bool]], what: str) -> None:
        """Wait for a condition on the database (or the fake) with a generous cap."""
        for _ in range(int(WAIT_S / POLL_S)):
            if await check():
                return
            await asyncio.sleep(POLL_S)
        pytest.fail(f"still waiting for {what} after {WAIT_S:.0f} s")

    def told_both(self, text: str, more: int) -> Awaitable[None]:
        """Counts notices to the poster and the moderator with `text` now; awaited, waits
        until exactly `more` more have arrived and every edit has been sent."""
        wanted = self.told(LENA, text) + self.told(SAM, text) + more

        async def arrived() -> None:
            await self.fake.wait_for(
                lambda _f: self.told(LENA, text) + self.told(SAM, text) >= wanted, WAIT_S
            )
            await self.until(self.settled, "every edit sent")
            assert self.told(LENA, text) + self.told(SAM, text) == wanted

        return arrived()

    async def settled(self) -> bool:
        """Nothing left in the outbox: every edit the replicas decided has been sent."""
        undelivered = select(func.count()).where(OUTBOUND.c.delivered_at.is_(None))
        return int(await self.scalar(undelivered)) == 0

    async def replies_in(self, thread: str) -> int:
        query = (
            select(func.count())
            .select_from(REPLY.join(SETBACK, SETBACK.c.id == REPLY.c.setback_id))
            .where(SETBACK.c.thread_ref == thread)
        )
        return int(await self.scalar(query))

    async def best_in_store(self, thread: str) -> set[str]:
        query = (
            select(REPLY.c.message_ref)
            .join(SETBACK, SETBACK.c.id == REPLY.c.setback_id)
            .where(SETBACK.c.thread_ref == thread, REPLY.c.best_marked_at.is_not(None))
        )
        async with self.db.connect() as db:
            return {str(ref) for ref in (await db.execute(query)).scalars()}

    def best_shown(self, thread: str) -> set[str]:
        """The best answers linked from the status message as Slack last received it."""
        root = MessageRef.parse(thread)
        edits = [
            c for c in self.fake.of("chat.update") if c.params.get("ts") == root.ts
        ]  # recorded in the order they arrived
        shown = PERMALINK.findall(edits[-1].flat())
        return {f"{channel}:{stamp[:-6]}.{stamp[-6:]}" for channel, stamp in shown}

    def told(self, user: str, text: str) -> int:
        """Messages only `user` saw (ephemeral or by DM) that contain `text`."""
        return sum(1 for call in self.private_to(user) if text in call.words)

    def private_to(self, user: str) -> Iterator[Call]:
        for call in self.fake.of("chat.postEphemeral", "chat.postMessage"):
            ephemeral = call.method == "chat.postEphemeral" and call.params.get("user") == user
            if ephemeral or call.channel == f"D{user}":
                yield call


def _read(log: Path) -> str:
    return log.read_text(errors="replace")


async def _listening(log: Path, process: subprocess.Popen[bytes]) -> str:
    """The replica's base URL, once it logged the port it bound (it was given port 0, so no
    other test can take the port between choosing and binding)."""
    async with asyncio.timeout(WAIT_S):
        while True:
            assert process.poll() is None, "the replica exited at start"
            found = LISTENING.search(_read(log))
            if found:
                return f"http://127.0.0.1:{found.group(1)}"
            await asyncio.sleep(0.05)


async def _healthy(
    http: aiohttp.ClientSession, base: str, process: subprocess.Popen[bytes]
) -> None:
    async with asyncio.timeout(WAIT_S):
        while True:
            assert process.poll() is None, "the replica exited at start"
            try:
                async with http.get(f"{base}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.1)


@asynccontextmanager
async def cluster(database_url: str, workdir: Path) -> AsyncIterator[Cluster]:
    fake = FakeSlack(
        users={uid: member(uid, name) for uid, name in PEOPLE.items()}, moderators=(SAM,)
    )
    await fake.start()
    db = create_engine(database_url)
    await upgrade(db)  # once, before two replicas start on the same database
    rebound = str(Path(sys.executable).with_name("rebound"))
    environment = slack_environment(fake.base_url, database_url, SLACK_MODERATORS_GROUP=MODERATORS)
    replicas: list[Replica] = []
    async with aiohttp.ClientSession() as http:
        try:
            for _ in range(2):
                log_path = workdir / f"replica-{len(replicas)}.log"
                log = log_path.open("wb")
                process = subprocess.Popen(  # noqa: ASYNC220 - started once, waited on below
                    [rebound, "slack", "--port", "0"],
                    env=environment,
                    cwd=workdir,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
                log.close()
                base = await _listening(log_path, process)
                replicas.append(Replica(f"{base}/slack/events", process))
                await _healthy(http, base, process)
            yield Cluster(fake, (replicas[0], replicas[1]), db, http, SlackRequests())
        finally:
            for replica in replicas:
                replica.process.terminate()
            for replica in replicas:
                try:
                    replica.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    replica.process.kill()
                    replica.process.wait()
            await db.dispose()
            await fake.stop()


async def _post_with_replies(slack: Cluster, title: str) -> tuple[str, list[str]]:
    thread = await slack.share(LENA, title)
    refs = []
    for n, helper in enumerate(HELPER_IDS):
        body, ref = slack.reply_body(helper, f"{PEOPLE[helper]} says try again", thread)
        await slack.send(n % 2, body, JSON)
        refs.append(ref)
    await slack.until(lambda: _has(slack.replies_in(thread), len(HELPER_IDS)), "replies")
    return thread, refs


async def _race(slack: Cluster, notice: str, more: int, *presses: Press) -> None:
    """Send shortcuts at the same instant, each `(replica, member, action, reply)`; then wait
    until exactly `more` notices saying `notice` have arrived and every edit is sent."""
    arrived = slack.told_both(notice, more)
    await slack.together(
        *(
            slack.interact(replica, slack.shortcut(who, action, ref))
            for replica, who, action, ref in presses
        )
    )
    await arrived


async def _has(count: Awaitable[int], wanted: int) -> bool:
    return await count == wanted


async def test_replicas_racing_on_best_answers_keep_the_status_message_true(
    postgres_url: str, tmp_path: Path
) -> None:
    async with cluster(postgres_url, tmp_path) as slack:
        for n in range(ROUNDS):
            title = f"Round {n}"
            thread, (first, second, third, fourth) = await _post_with_replies(slack, title)

            # The poster marks two replies at once, through different replicas.
            await _race(slack, "now marked", 2, (0, LENA, MARK, first), (1, LENA, MARK, second))
            assert await slack.best_in_store(thread) == {first, second}
            assert slack.best_shown(thread) == {first, second}, title

            # A moderator unmarks one while the poster marks another.
            await _race(
                slack, "no longer marked", 1, (1, SAM, UNMARK, first), (0, LENA, MARK, third)
            )
            assert await slack.best_in_store(thread) == {second, third}
            assert slack.best_shown(thread) == {second, third}, title

            # The poster and the moderator mark the same reply at once: one wins, one is
            # told it is already a best answer, and its author is thanked once.
            marked = slack.told(LENA, "now marked") + slack.told(SAM, "now marked")
            await _race(slack, "already a best", 1, (0, LENA, MARK, fourth), (1, SAM, MARK, fourth))
            assert slack.told(LENA, "now marked") + slack.told(SAM, "now marked") == marked + 1
            assert slack.told("U0ADE", f'reply on "{title}" was marked') == 1
            assert await slack.best_in_store(thread) == {second, third, fourth}
            assert slack.best_shown(thread) == {second, third, fourth}, title


async def test_replicas_given_one_outcome_twice_at_once_share_it_once(
    postgres_url: str, tmp_path: Path
) -> None:
    async with cluster(postgres_url, tmp_path) as slack:
        for n in range(ROUNDS):
            await _outcome_round(slack, f"Round {n}")


async def _outcome_round(slack: Cluster, title: str) -> None:
    thread, _ = await _post_with_replies(slack, title)
    setback_id = await slack.scalar(select(SETBACK.c.id).where(SETBACK.c.thread_ref == thread))
    worked = action_id(Verb.OUTCOME, setback_id, "worked")
    forms = len(slack.fake.of("views.open"))
    await slack.interact(0, slack.button(LENA, worked))
    await slack.fake.wait_for(lambda f: len(f.of("views.open")) > forms, WAIT_S)
    view = slack.fake.of("views.open")[-1].params["view"]

    # The form submitted twice at once (a double click, two devices), to two replicas.
    await slack.together(
        slack.submit(0, LENA, view, result="worked"),
        slack.submit(1, LENA, view, result="worked"),
    )

    already = f'already shared how "{title}"'
    await slack.fake.wait_for(lambda _f: slack.told(LENA, already) == 1, WAIT_S)
    await slack.until(slack.settled, "the update sent")
    outcomes = select(func.count()).where(OUTCOME.c.setback_id == setback_id)
    assert await slack.scalar(outcomes) == 1
    root = MessageRef.parse(thread)
    updates = [
        c
        for c in slack.fake.posts(root.channel)
        if c.params.get("thread_ts") == root.ts and "Update from the poster" in c.words
    ]
    assert len(updates) == 1, title
    assert slack.told(LENA, f'Your update is in the thread of "{title}"') == 1
    for helper in HELPER_IDS:
        assert slack.told(helper, f'"{title}"') == 1, helper


STREAM_POSTS = 200
AT_ONCE = 10  # requests in flight together, spread over both replicas
RETRIED = {"x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout"}


def _row_of(call: Call) -> str | None:
    """The outbox row a message carries in its metadata (resume.py), if any."""
    found = call.params.get("metadata") or {}
    if isinstance(found, str):
        found = json.loads(found)
    payload = found.get("event_payload") or {}
    return f"{payload.get('row')}:{payload.get('piece', 0)}" if payload.get("row") else None


async def _in_batches(sends: list[Awaitable[None]]) -> None:
    for start in range(0, len(sends), AT_ONCE):
        await asyncio.gather(*sends[start : start + AT_ONCE])


async def _share_many(slack: Cluster) -> list[str]:
    """200 posts shared through both replicas; every tenth form is sent to both at once (a
    double click landing on two replicas): one post each all the same. Their threads."""
    opened = len(slack.fake.of("views.open"))
    await slack.send(1, slack.requests.command(LENA, PEOPLE[LENA], "/setback", SUPPORT), FORM)
    await slack.fake.wait_for(lambda f: len(f.of("views.open")) > opened, WAIT_S)
    view = slack.fake.of("views.open")[-1].params["view"]
    submissions: list[Awaitable[None]] = []
    for n in range(STREAM_POSTS):
        values = {"title": f"Stream {n:03d}", "body": "It went badly."}
        body = slack.requests.interaction(
            slack.requests.view_submission(LENA, PEOPLE[LENA], view, values)
        )
        submissions.append(slack.send(n % 2, body, FORM))
        if n % 10 == 0:
            submissions.append(slack.send(1 - n % 2, body, FORM))
    await _in_batches(submissions)
    await slack.until(lambda: _has(slack.scalar(POSTS), STREAM_POSTS), "every post")
    await slack.until(slack.settled, "every root posted")
    roots = select(SETBACK.c.thread_ref).order_by(SETBACK.c.id)
    async with slack.db.connect() as db:
        return [str(ref) for ref in (await db.execute(roots)).scalars()]


async def _replies_retried(slack: Cluster, threads: list[str]) -> None:
    """A reply in each thread, delivered by Slack to one replica and retried to the other
    (the first ack came late), often at the same instant."""
    replies: list[Awaitable[None]] = []
    for n, thread in enumerate(threads):
        helper = HELPER_IDS[n % len(HELPER_IDS)]
        body, _ref = slack.reply_body(helper, f"Reply {n}", thread)
        replies.extend([slack.send(n % 2, body, JSON), slack.send_retry(1 - n % 2, body)])
    await _in_batches(replies)
    await slack.until(lambda: _has(slack.scalar(REPLIES), len(threads)), "every reply")


async def _asks_fired_by_both(slack: Cluster) -> None:
    """Every outcome ask falls due at once and both replicas' schedulers fire them. Slack
    holds their messages until each replica has fired some (one could otherwise fire all
    200 before the other's next tick); then everything is sent."""
    held = slack.fake.hold("chat.postMessage", after=slack.fake.arrivals("chat.postMessage"))
    async with slack.db.begin() as db:
        made_due = await db.execute(
            FOLLOW_UP.update()
            .where(FOLLOW_UP.c.kind == "outcome_ask")
            .values(due_at=func.now() - text("interval '1 minute'"))
        )
    assert made_due.rowcount == STREAM_POSTS
    await slack.until(lambda: _has(slack.schedulers_of("outcome_ask"), 2), "both firing")
    held.set()
    asks_done = select(func.count()).where(
        FOLLOW_UP.c.kind == "outcome_ask", FOLLOW_UP.c.done_at.is_not(None)
    )
    await slack.until(lambda: _has(slack.scalar(asks_done), STREAM_POSTS), "every ask fired")
    await slack.until(slack.settled, "every ask sent")


POSTS = select(func.count()).select_from(SETBACK)
REPLIES = select(func.count()).select_from(REPLY)
REPLIED = 40


async def test_a_stream_across_replicas_and_200_due_follow_ups_lose_nothing_twice_nothing(
    postgres_url: str, tmp_path: Path
) -> None:
    async with cluster(postgres_url, tmp_path) as slack:
        threads = await _share_many(slack)
        assert len(set(threads)) == STREAM_POSTS
        await _replies_retried(slack, threads[:REPLIED])

        # Slash commands on both replicas: each answered once, privately.
        listing, command = "waiting for a first reply", slack.requests.command
        listed = slack.told(SAM, listing)
        await _in_batches(
            [
                slack.send(n % 2, command(SAM, PEOPLE[SAM], "/rebound", SUPPORT, "open"), FORM)
                for n in range(6)
            ]
        )
        await slack.fake.wait_for(lambda _f: slack.told(SAM, listing) >= listed + 6, WAIT_S)

        await _asks_fired_by_both(slack)

        # 0 duplicate records.
        assert await slack.scalar(POSTS) == STREAM_POSTS
        assert await slack.scalar(REPLIES) == REPLIED
        ask_rows = select(OUTBOUND.c.id).where(OUTBOUND.c.source.like("follow_up:%"))
        async with slack.db.connect() as db:
            asked = {str(i) for i in (await db.execute(ask_rows)).scalars()}
        assert len(asked) == STREAM_POSTS  # one row a follow-up

        # 0 duplicate messages, 0 lost: every outbox row delivered (settled), each exactly
        # once, and every post's ask reached its poster.
        carried = [row for c in slack.fake.of("chat.postMessage") if (row := _row_of(c))]
        assert len(carried) == len(set(carried)), "a message was sent twice"
        asks_sent = {row for row in carried if row.split(":")[0] in asked}
        assert len(asks_sent) == STREAM_POSTS
        titles = {
            title
            for c in slack.fake.of("chat.postMessage")
            if c.channel == f"D{LENA}" and _row_of(c) in asks_sent
            for title in re.findall(r"Stream \d{3}", c.words)
        }
        assert titles == {f"Stream {n:03d}" for n in range(STREAM_POSTS)}
        top_level = [c for c in slack.fake.posts(SUPPORT) if not c.params.get("thread_ts")]
        assert len(top_level) == STREAM_POSTS  # one root a post
        assert slack.told(SAM, listing) == listed + 6
