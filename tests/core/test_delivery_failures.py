"""Failures classified: permanent ones given up at once with their code, transient ones
backed off and given up by age, never marked delivered; every sender records its own.

Durations are written out (30 s, 60 s, 5 h, 24 h...), not taken from the code's own
`retry_delay`, so a change of policy shows up here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.contract.intents import DirectTo, EditMessage, Intent, Send, SetThreadTags, StartThread
from bot.contract.ports import Attempt, Capabilities, Delivered, DeliveryFailed, FailureKind
from bot.domain.model import FollowUpKind, Post
from bot.engine import ordered_edits
from bot.engine.delivery import Policy
from bot.engine.scheduler import Scheduler
from bot.features.posting import posts as posting
from bot.store.leases import Lease
from bot.store.repo import OutboxState, Repo
from bot.store.statements import OUTBOUND
from tests.core.test_delivery import _command, _submit
from tests.store.test_scheduler_workers import asked
from tests.support import COMMUNITY, MAYA, RUTH, Harness, RecordingOutbox, form_in, harness

CONSOLE = frozenset({"console"})


@dataclass
class Platform:
    """Answers each member's private messages as told; records when each try came."""

    clock_now: object
    refusals: dict[str, DeliveryFailed] = field(default_factory=dict)
    inner: RecordingOutbox = field(default_factory=RecordingOutbox)
    tries: dict[str, list[datetime]] = field(default_factory=dict)
    capabilities: Capabilities = field(default_factory=lambda: Capabilities(tags=True))

    async def deliver(self, intent: Intent, attempt: Attempt | None = None) -> Delivered | None:
        if isinstance(intent, Send) and isinstance(intent.target, DirectTo):
            user = intent.target.user_id
            self.tries.setdefault(user, []).append(self.clock_now())  # type: ignore[operator]
            refusal = self.refusals.get(user)
            if refusal is not None:
                raise refusal
        return await self.inner.deliver(intent, attempt)

    def asked(self, user: str) -> int:
        return asked(self.inner)[user]


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[Harness]:
    async with harness(database_url) as running:
        yield running


def senders(h: Harness, n: int) -> list[Scheduler]:
    """The core's scheduler and n - 1 more, named as the Slack adapter names them."""
    extra = [Scheduler(h.core.kernel, f"{h.core.worker_id}/{k}") for k in range(1, n)]
    return [h.core.scheduler, *extra]


async def tick_all(schedulers: list[Scheduler], platform: Platform) -> None:
    await asyncio.gather(*(s.tick(lambda _c: platform, CONSOLE) for s in schedulers))


async def states(h: Harness) -> dict[OutboxState, int]:
    async with h.core.store.transaction() as repo:
        return await repo.outbound.counts()


def offsets(times: list[datetime]) -> list[float]:
    return [(t - times[0]).total_seconds() for t in times]


async def test_permanent_given_up_at_once_transient_backs_off_with_several_senders(
    h: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    await h.post(MAYA, ask_outcome_on="2d")
    await h.post(RUTH, ask_outcome_on="2d")
    platform = Platform(h.clock.now)
    platform.refusals[MAYA.user_id] = DeliveryFailed("channel_not_found", FailureKind.PERMANENT)
    platform.refusals[RUTH.user_id] = DeliveryFailed("ratelimited", FailureKind.TRANSIENT)
    schedulers = senders(h, 4)
    h.clock.advance(timedelta(days=2))

    with caplog.at_level(logging.WARNING, logger="bot.engine.delivery"):
        for _ in range(30):  # five minutes in 10-second steps, every sender ticking
            await tick_all(schedulers, platform)
            h.clock.advance(timedelta(seconds=10))

    assert len(platform.tries[MAYA.user_id]) == 1
    assert offsets(platform.tries[RUTH.user_id]) == [0.0, 30.0, 90.0, 210.0]
    async with h.core.store.transaction() as repo:
        (given_up,) = await repo.outbound.given_up()
    assert given_up.last_error == "channel_not_found"
    assert given_up.last_error_kind == "permanent"
    assert (await states(h))[OutboxState.GIVEN_UP] == 1
    gave_up_lines = [r.getMessage() for r in caplog.records if "given up" in r.getMessage()]
    assert len(gave_up_lines) == 1
    assert "channel_not_found" in gave_up_lines[0]
    assert MAYA.display_name not in caplog.text and MAYA.user_id not in caplog.text


async def test_a_five_hour_outage_ends_in_one_delivery(h: Harness) -> None:
    await h.post(MAYA, ask_outcome_on="2d")
    platform = Platform(h.clock.now)
    platform.refusals[MAYA.user_id] = DeliveryFailed("internal_error", answered=False)
    h.clock.advance(timedelta(days=2))
    outage_ends = h.clock.now() + timedelta(hours=5)

    while h.clock.now() < outage_ends:
        await h.core.tick(lambda _c: platform, CONSOLE)
        h.clock.advance(timedelta(minutes=5))
    del platform.refusals[MAYA.user_id]
    for _ in range(24):  # two more hours
        await h.core.tick(lambda _c: platform, CONSOLE)
        h.clock.advance(timedelta(minutes=5))

    assert platform.asked(MAYA.user_id) == 1
    # Back-off never waits more than an hour, so it went within the hour after the outage.
    assert platform.tries[MAYA.user_id][-1] <= outage_ends + timedelta(hours=1)
    counts = await states(h)
    assert counts[OutboxState.GIVEN_UP] == 0
    assert counts[OutboxState.PENDING] == 0


async def test_a_thirty_hour_outage_is_given_up_after_a_day_and_retried_by_hand(
    h: Harness,
) -> None:
    await h.post(MAYA, ask_outcome_on="2d")
    platform = Platform(h.clock.now)
    platform.refusals[MAYA.user_id] = DeliveryFailed("internal_error", answered=False)
    h.clock.advance(timedelta(days=2))
    first_failure = h.clock.now()

    for _ in range(30 * 12):  # thirty hours in 5-minute steps
        await h.core.tick(lambda _c: platform, CONSOLE)
        h.clock.advance(timedelta(minutes=5))
    last_try = platform.tries[MAYA.user_id][-1]
    assert first_failure + timedelta(hours=24) <= last_try <= first_failure + timedelta(hours=25)
    del platform.refusals[MAYA.user_id]
    for _ in range(24):  # the platform is back, but nothing retries a given-up row by itself
        await h.core.tick(lambda _c: platform, CONSOLE)
        h.clock.advance(timedelta(minutes=5))
    assert platform.asked(MAYA.user_id) == 0
    counts = await states(h)
    assert counts[OutboxState.GIVEN_UP] == 1
    assert counts[OutboxState.DELIVERED] >= 1  # the thread, before the outage

    async with h.core.store.transaction() as repo:
        assert await repo.outbound.retry(None, h.clock.now()) == 1
    await h.core.tick(lambda _c: platform, CONSOLE)
    assert platform.asked(MAYA.user_id) == 1
    assert (await states(h))[OutboxState.GIVEN_UP] == 0


@dataclass
class CutShort:
    """A platform that takes the first private message and then never answers (the
    process dies mid-call); it records each attempt it is given."""

    inner: RecordingOutbox = field(default_factory=RecordingOutbox)
    attempts: list[Attempt | None] = field(default_factory=list)
    hang: bool = True
    called: asyncio.Event = field(default_factory=asyncio.Event)
    capabilities: Capabilities = field(default_factory=lambda: Capabilities(tags=True))

    async def deliver(self, intent: Intent, attempt: Attempt | None = None) -> Delivered | None:
        if isinstance(intent, Send) and isinstance(intent.target, DirectTo):
            self.attempts.append(attempt)
            self.called.set()
            if self.hang:
                await asyncio.Event().wait()
        return await self.inner.deliver(intent, attempt)


async def test_a_try_cut_short_is_retried_by_another_worker_as_maybe_sent(h: Harness) -> None:
    await h.post(MAYA, ask_outcome_on="2d")
    platform = CutShort()
    h.clock.advance(timedelta(days=2))
    cut_at = h.clock.now()
    first = asyncio.create_task(h.core.tick(lambda _c: platform, CONSOLE))
    await asyncio.wait_for(platform.called.wait(), 10)
    first.cancel()  # the worker dies mid-call
    with pytest.raises(asyncio.CancelledError):
        await first
    platform.hang = False
    other = Scheduler(h.core.kernel, "another-worker")

    h.clock.advance(timedelta(minutes=1))  # its lease still holds: nobody takes it
    await other.tick(lambda _c: platform, CONSOLE)
    assert len(platform.attempts) == 1
    h.clock.advance(timedelta(minutes=2))
    await other.tick(lambda _c: platform, CONSOLE)

    first_try, second_try = platform.attempts
    assert first_try is not None and first_try.maybe_sent_since is None
    assert second_try is not None and second_try.maybe_sent_since == cut_at
    assert second_try.key == first_try.key
    assert (await states(h))[OutboxState.PENDING] == 0


@dataclass
class SecondPieceFails:
    """Starts threads in two pieces; the second piece fails `failures` times."""

    failures: int
    made: list[str] = field(default_factory=list)
    seen: list[Attempt | None] = field(default_factory=list)
    capabilities: Capabilities = field(default_factory=lambda: Capabilities(tags=True))

    async def deliver(self, intent: Intent, attempt: Attempt | None = None) -> Delivered | None:
        if not isinstance(intent, StartThread):
            return None
        assert attempt is not None
        self.seen.append(attempt)
        first = attempt.pieces.get(0)
        if first is None:
            first = f"thread-{len(self.made) + 1}"
            self.made.append(first)
            await attempt.record_piece(0, first)
        if self.failures:
            self.failures -= 1
            raise DeliveryFailed("internal_error", answered=True)
        self.made.append(f"{first}/piece-2")
        await attempt.record_piece(1, f"{first}/piece-2")
        return Delivered(first)


async def test_a_failing_second_piece_never_starts_a_second_thread(h: Harness) -> None:
    platform = SecondPieceFails(failures=2)
    h.outbox = RecordingOutbox()
    form = form_in(await h.core.handle(*_command(h), platform))
    await h.core.handle(_submit(h, form.form_id), platform)
    async with h.core.store.transaction() as repo:
        post = await repo.post(COMMUNITY, 1)
    assert post is not None and post.thread_ref == "thread-1"  # known while piece 2 fails
    for _ in range(3):
        h.clock.advance(timedelta(minutes=5))
        await h.core.tick(lambda _c: platform, CONSOLE)

    assert platform.made == ["thread-1", "thread-1/piece-2"]
    assert [dict(a.pieces) for a in platform.seen if a is not None] == [
        {},
        {0: "thread-1"},
        {0: "thread-1"},
    ]
    assert (await states(h))[OutboxState.PENDING] == 0


@dataclass
class ThreadGone:
    """Posting in threads is refused for good until `gone` is cleared."""

    gone: bool = True
    inner: RecordingOutbox = field(default_factory=RecordingOutbox)
    capabilities: Capabilities = field(default_factory=lambda: Capabilities(tags=True))

    async def deliver(self, intent: Intent, attempt: Attempt | None = None) -> Delivered | None:
        if self.gone and isinstance(intent, Send) and not isinstance(intent.target, DirectTo):
            raise DeliveryFailed("is_archived", FailureKind.PERMANENT)
        return await self.inner.deliver(intent, attempt)


async def test_a_given_up_source_is_retried_whole_and_in_order(h: Harness) -> None:
    await h.post(MAYA, ask_outcome_on="60d")
    platform = ThreadGone()
    h.clock.advance(timedelta(days=31))  # the post closes: a note, its tags, the close
    for _ in range(3):
        await h.core.tick(lambda _c: platform, CONSOLE)
        h.clock.advance(timedelta(minutes=10))
    async with h.core.store.transaction() as repo:
        given_up = await repo.outbound.given_up()
    closing = [row for row in given_up if row.intent["__type__"] == "CloseThread"]
    (close,) = closing
    source = [row for row in given_up if row.source == close.source]
    closing_kinds = [row.intent["__type__"] for row in source]
    assert closing_kinds[0] == "Send" and closing_kinds[-1] == "CloseThread"
    assert len(closing_kinds) > 2
    assert {row.last_error for row in source} == {"is_archived"}

    platform.gone = False
    async with h.core.store.transaction() as repo:
        assert await repo.outbound.retry([source[0].id], h.clock.now()) == len(source)
    await h.core.tick(lambda _c: platform, CONSOLE)
    sent = [type(i).__name__ for i in platform.inner.sent]
    assert sent[-len(closing_kinds) :] == closing_kinds


@dataclass
class ThreadsDown:
    """Starting threads fails (a 5xx) until `down` is cleared."""

    down: bool = True
    inner: RecordingOutbox = field(default_factory=RecordingOutbox)
    capabilities: Capabilities = field(default_factory=lambda: Capabilities(tags=True))

    async def deliver(self, intent: Intent, attempt: Attempt | None = None) -> Delivered | None:
        if self.down and isinstance(intent, StartThread):
            raise DeliveryFailed("internal_error", answered=False)
        return await self.inner.deliver(intent, attempt)


async def _ask_put_off_for_its_thread(h: Harness) -> ThreadsDown:
    """Maya's post, whose thread cannot start, with its outcome ask due and put off."""
    h.core.kernel.policy = Policy(give_up_after=timedelta(days=3))  # the thread is not given up
    platform = ThreadsDown()
    form = form_in(await h.core.handle(*_command(h), platform))
    event = _submit(h, form.form_id)
    values = {**event.values, "ask_outcome_on": "2d"}
    await h.core.handle(type(event)(**{**event.__dict__, "values": values}), platform)
    h.clock.advance(timedelta(days=2, minutes=1))
    await h.core.tick(lambda _c: platform, CONSOLE)
    assert asked(platform.inner)[MAYA.user_id] == 0  # no thread yet: the ask waits
    return platform


async def test_a_follow_up_due_before_its_thread_started_waits_for_it(h: Harness) -> None:
    platform = await _ask_put_off_for_its_thread(h)

    platform.down = False
    for _ in range(3):
        h.clock.advance(timedelta(minutes=10))
        await h.core.tick(lambda _c: platform, CONSOLE)

    assert len(platform.inner.of(StartThread)) == 1
    assert asked(platform.inner)[MAYA.user_id] == 1


async def test_a_follow_up_put_off_for_its_thread_is_due_once_the_thread_is_recorded(
    h: Harness,
) -> None:
    await _ask_put_off_for_its_thread(h)
    h.clock.advance(timedelta(minutes=1))
    now = h.clock.now()
    async with h.core.store.transaction() as repo:
        (post,) = await repo.posts_by_poster(COMMUNITY, MAYA.user_id, 1)
        await posting.on_thread_started(
            await h.core.context(repo, COMMUNITY, now), post.id, "t", "t"
        )
    async with h.core.store.transaction() as repo:
        assert await repo.pending_due_at(post.id, FollowUpKind.OUTCOME_ASK) == now


async def _answered_post_whose_turn_is_held(
    h: Harness, holder: str, seconds: int
) -> tuple[Post, str]:
    """A post with a reply, whose status-edit turn `holder` holds for `seconds` more."""
    thread = await h.post(MAYA)
    reply = await h.reply(RUTH, thread, "Same thing happened to me.")
    async with h.core.store.transaction() as repo:
        post = await repo.post_by_thread(COMMUNITY, thread)
        assert post is not None and post.id is not None
        now = h.clock.now()
        lease = Lease(holder, now, now + timedelta(seconds=seconds))
        assert await repo.shown.take_turn(post.id, lease) is not None
    h.outbox.clear()
    return post, reply


async def test_a_status_edit_waiting_for_another_senders_turn_backs_off_then_goes_out(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """OrderedEdits inside Rebound.send: a busy turn is a transient failure with its code."""
    monkeypatch.setattr(ordered_edits, "TURN_WAIT_S", 0.05)
    post, reply = await _answered_post_whose_turn_is_held(h, "another-replica", 60)

    await h.mark(MAYA, reply)  # the status message and the tags show the best answer

    assert h.outbox.of(EditMessage) == [] and h.outbox.of(SetThreadTags) == []
    async with h.core.store.engine.connect() as connection:
        query = select(OUTBOUND.c.last_error, OUTBOUND.c.last_error_kind)
        waiting = await connection.execute(
            query.where(OUTBOUND.c.delivered_at.is_(None)).order_by(OUTBOUND.c.id)
        )
        first, *held_back = [tuple(row) for row in waiting]
    assert first == ("status_turn_busy", "transient")
    assert held_back == [(None, None)]  # the tags wait behind the edit

    async with h.core.store.transaction() as repo:
        await repo.shown.end_turn(post.id, "another-replica", None)
    await h.wait(timedelta(seconds=30))
    (edit,) = h.outbox.of(EditMessage)
    (tags,) = h.outbox.of(SetThreadTags)
    assert edit.revision == tags.revision
    assert edit.revision is not None and edit.revision.setback_id == post.id
    assert (await states(h))[OutboxState.PENDING] == 0


async def test_a_turn_held_by_a_sender_that_died_is_retried_when_its_lease_ends(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No growing back-off behind a dead sender's turn: the edit is tried again the moment
    the turn's lease runs out (here 10 s, sooner than the first 30 s back-off)."""
    monkeypatch.setattr(ordered_edits, "TURN_WAIT_S", 0.05)
    post, reply = await _answered_post_whose_turn_is_held(h, "a-replica-that-died", 10)
    turn_ends_at = h.clock.now() + timedelta(seconds=10)

    await h.mark(MAYA, reply)

    async with h.core.store.engine.connect() as connection:
        query = select(OUTBOUND.c.next_try_at).where(OUTBOUND.c.last_error == "status_turn_busy")
        (retry_at,) = (await connection.execute(query)).scalars()
    assert retry_at.replace(tzinfo=None) == turn_ends_at.replace(tzinfo=None)
    assert h.outbox.of(EditMessage) == []
    await h.wait(timedelta(seconds=10))
    (edit,) = h.outbox.of(EditMessage)
    assert edit.revision is not None and edit.revision.setback_id == post.id


async def test_a_record_lost_to_a_power_cut_leaves_the_row_to_be_looked_for_first(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A delivery's record is the one commit that does not wait for the disk; the state a
    power cut could fall back to (the ask's record undone) sends nothing blind."""
    await h.post(MAYA, ask_outcome_on="2d")
    platform = CutShort(hang=False)
    store, real = h.core.store, h.core.store.transaction
    commits: list[bool] = []

    @asynccontextmanager
    async def power_cut_undoes_the_asks_record(*, durable: bool = True) -> AsyncIterator[Repo]:
        commits.append(durable)
        async with real(durable=durable) as repo:
            if durable or not platform.attempts:
                yield repo
                return
            async with repo.savepoint():  # the record of the ask the platform took
                yield repo
                raise _Undone

    @asynccontextmanager
    async def recording(
        rows: Sequence[tuple[int, str | None]], now: datetime, *, durable: bool = True
    ) -> AsyncIterator[Repo]:
        """`Store.recording`, its record inside the transaction the power cut undoes."""
        async with power_cut_undoes_the_asks_record(durable=durable) as repo:
            await repo.outbound.delivered(rows, now)
            yield repo

    h.clock.advance(timedelta(days=2))
    sent_at = h.clock.now()
    monkeypatch.setattr(store, "transaction", power_cut_undoes_the_asks_record)
    monkeypatch.setattr(store, "recording", recording)
    with pytest.raises(_Undone):
        await h.core.tick(lambda _c: platform, CONSOLE)
    monkeypatch.undo()
    first_record = commits.index(False)
    assert first_record > 0 and all(commits[:first_record])  # claims and firing waited

    h.clock.advance(timedelta(minutes=3))  # the lease of the worker that "lost power" ends
    await Scheduler(h.core.kernel, "after-restart").tick(lambda _c: platform, CONSOLE)
    first_try, second_try = platform.attempts
    assert first_try is not None and first_try.maybe_sent_since is None
    assert second_try is not None and second_try.maybe_sent_since == sent_at
    assert second_try.key == first_try.key
    assert (await states(h))[OutboxState.PENDING] == 0


class _Undone(Exception):
    """What a power cut does to a commit that did not wait for the disk."""
