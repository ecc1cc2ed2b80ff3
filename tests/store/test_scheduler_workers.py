"""Follow-ups fire exactly once across workers, crashes, downtime and failed deliveries."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.common.clock import ManualClock
from bot.contract.intents import Channel, CloseThread, DirectTo, Intent, Send, Thread
from bot.contract.ports import Attempt, Capabilities, Delivered, DeliveryFailed, Outbox
from bot.domain.model import CommunitySettings, FollowUpKind, Member
from bot.engine.bootstrap import build_rebound
from bot.engine.delivery import RETRY_BASE, retry_delay
from bot.engine.runtime import Rebound
from bot.engine.scheduler import LEASE
from bot.store.statements import FOLLOW_UP, OUTBOUND
from bot.store.types import UTCDateTime
from tests.support import COMMUNITY, JO, START, Harness, RecordingOutbox, shared_content

PLATFORMS = frozenset({"console"})
HELPERS = "helpers"
POSTERS = 60
ASK_AFTER = "1d"


def poster(n: int) -> Member:
    return Member(user_id=f"U-poster-{n:03d}", display_name=f"Poster {n}")


def outcome_asks(outbox: RecordingOutbox) -> list[Send]:
    """The private 'how did it go?' messages (they carry the stop-asking button)."""
    return [
        send
        for send in outbox.of(Send)
        if isinstance(send.target, DirectTo)
        and any(b.action_id.startswith("rb:stop:") for b in send.message.buttons)
    ]


def asked(*outboxes: RecordingOutbox) -> Counter[str]:
    counts: Counter[str] = Counter()
    for outbox in outboxes:
        for send in outcome_asks(outbox):
            assert isinstance(send.target, DirectTo)
            counts[send.target.user_id] += 1
    return counts


def nudges(outbox: RecordingOutbox) -> list[Send]:
    return [
        send
        for send in outbox.of(Send)
        if isinstance(send.target, Channel) and send.target.channel_id == HELPERS
    ]


def thread_notes(outbox: RecordingOutbox) -> Counter[str]:
    return Counter(
        send.target.thread_ref for send in outbox.of(Send) if isinstance(send.target, Thread)
    )


def closed_threads(outbox: RecordingOutbox) -> Counter[str]:
    return Counter(intent.thread_ref for intent in outbox.of(CloseThread))


def to(outbox: Outbox) -> Callable[[str], Outbox | None]:
    return lambda _community: outbox


async def build(url: str, clock: ManualClock, worker: str) -> Rebound:
    core = await build_rebound(url, clock, content=shared_content(), worker=worker)
    await core.ensure_community(COMMUNITY, "console", CommunitySettings(helpers_channel=HELPERS))
    return core


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def cores(database_url: str, clock: ManualClock) -> AsyncIterator[tuple[Rebound, Rebound]]:
    core1 = await build(database_url, clock, "w1")
    core2 = await build(database_url, clock, "w2")
    try:
        yield core1, core2
    finally:
        await core1.close()
        await core2.close()


async def post_many(core: Rebound, clock: ManualClock, count: int) -> Harness:
    """`count` posts by as many posters, through the form, asking about outcomes after a day."""
    harness = Harness(core, clock)
    for n in range(count):
        await harness.post(poster(n), ask_outcome_on=ASK_AFTER)
    await drain(core, harness.outbox)  # each post's similar setbacks (none here) fire at once
    harness.outbox.clear()
    return harness


async def drain(core: Rebound, outbox: Outbox, *, limit: int = 100) -> int:
    """Tick until a tick claims nothing; returns how many follow-ups fired."""
    fired = 0
    for _ in range(limit):
        fired += await core.tick(to(outbox), PLATFORMS)
        if core.scheduler.last_claimed == 0:
            return fired
    raise AssertionError("the scheduler never ran dry")


async def pending(core: Rebound, kind: FollowUpKind) -> int:
    async with core.store.engine.connect() as connection:
        rows = await connection.execute(
            select(FOLLOW_UP.c.id).where(
                FOLLOW_UP.c.kind == kind.value, FOLLOW_UP.c.done_at.is_(None)
            )
        )
        return len(rows.all())


# --- several workers ----------------------------------------------------------------------


async def test_concurrent_workers_send_each_due_follow_up_exactly_once(
    cores: tuple[Rebound, Rebound], clock: ManualClock
) -> None:
    core1, core2 = cores
    await post_many(core1, clock, POSTERS)
    out1, out2 = RecordingOutbox(), RecordingOutbox()
    core1.scheduler.batch = core2.scheduler.batch = 5
    clock.advance(timedelta(days=2))

    rounds = 0
    while True:
        rounds += 1
        assert rounds < 50, "the workers never ran dry"
        fired = await asyncio.gather(
            *(core1.tick(to(out1), PLATFORMS) for _ in range(4)),
            *(core2.tick(to(out2), PLATFORMS) for _ in range(4)),
        )
        if sum(fired) == 0:
            break

    # Every poster is asked exactly once across both workers; nobody is missed.
    assert asked(out1, out2) == Counter({poster(n).user_id: 1 for n in range(POSTERS)})
    # The unanswered nudges (due after 24h) went out once each too.
    assert len(nudges(out1)) + len(nudges(out2)) == POSTERS
    assert len(out1.sent) + len(out2.sent) == 2 * POSTERS
    # Both workers took part.
    assert out1.sent
    assert out2.sent
    assert await pending(core1, FollowUpKind.OUTCOME_ASK) == 0
    assert await pending(core1, FollowUpKind.UNANSWERED_NUDGE) == 0
    # Nothing more fires afterwards.
    assert await drain(core1, out1) == 0
    assert await drain(core2, out2) == 0


async def test_rows_claimed_by_a_crashed_worker_fire_once_after_the_lease(
    cores: tuple[Rebound, Rebound], clock: ManualClock
) -> None:
    core1, core2 = cores
    count = 10
    await post_many(core1, clock, count)
    clock.advance(timedelta(days=2))

    # Worker 1 leases every due row, then dies before firing any of them.
    crashed = await core1.scheduler.claim(PLATFORMS)
    assert Counter(f.kind for f in crashed) == Counter(
        {FollowUpKind.OUTCOME_ASK: count, FollowUpKind.UNANSWERED_NUDGE: count}
    )

    out2 = RecordingOutbox()
    assert await core2.tick(to(out2), PLATFORMS) == 0
    assert core2.scheduler.last_claimed == 0
    assert out2.sent == []

    # Still leased just before the lease runs out.
    clock.advance(LEASE - timedelta(seconds=1))
    assert await drain(core2, out2) == 0
    assert out2.sent == []

    clock.advance(timedelta(seconds=2))
    assert await drain(core2, out2) == 2 * count
    assert asked(out2) == Counter({poster(n).user_id: 1 for n in range(count)})
    assert len(nudges(out2)) == count

    # The crashed worker coming back cannot fire them again.
    out1 = RecordingOutbox()
    assert await drain(core1, out1) == 0
    assert out1.sent == []
    clock.advance(2 * LEASE)
    assert await drain(core2, out2) == 0
    assert len(out2.sent) == 2 * count


# --- downtime -----------------------------------------------------------------------------


async def test_follow_ups_that_fell_due_while_down_fire_on_restart(
    database_url: str, clock: ManualClock
) -> None:
    core = await build(database_url, clock, "before")
    try:
        harness = Harness(core, clock)
        quiet = [await harness.post(poster(n)) for n in range(3)]
        answered = await harness.post(poster(3))
        await harness.reply(JO, answered, "Same thing happened to me; it passes.")
    finally:
        await core.close()

    clock.advance(timedelta(days=31))
    core = await build(database_url, clock, "after")
    try:
        outbox = RecordingOutbox()
        first = await core.tick(to(outbox), PLATFORMS)
        assert first > 0
        total = first + await drain(core, outbox)

        # Every post: one outcome ask, one closing note in its thread, the thread closed.
        assert asked(outbox) == Counter({poster(n).user_id: 1 for n in range(4)})
        threads = [*quiet, answered]
        assert thread_notes(outbox) == Counter(dict.fromkeys(threads, 1))
        assert closed_threads(outbox) == Counter(dict.fromkeys(threads, 1))
        # The unanswered posts nudged the helpers; the answered one reminded its poster.
        assert len(nudges(outbox)) == len(quiet)
        reminders = [s for s in outbox.direct_to(poster(3)) if s not in outcome_asks(outbox)]
        assert len(reminders) == 1
        # 3 nudges + 1 reminder + 4 asks + 4 closings fired.
        assert total == len(outbox.sent)

        async with core.store.transaction() as repo:
            for thread in threads:
                post = await repo.post_by_thread(COMMUNITY, thread)
                assert post is not None
                assert post.closed_at == clock.now()
        for kind in FollowUpKind:
            assert await pending(core, kind) == 0

        sent = len(outbox.sent)
        clock.advance(timedelta(days=60))
        assert await drain(core, outbox) == 0
        assert len(outbox.sent) == sent
    finally:
        await core.close()


# --- failed deliveries --------------------------------------------------------------------


@dataclass
class FlakyOutbox:
    """Refuses the first `failures` private messages, then behaves; records what it took."""

    failures: int
    inner: RecordingOutbox = field(default_factory=RecordingOutbox)
    refused: list[Intent] = field(default_factory=list)
    capabilities: Capabilities = field(default_factory=lambda: Capabilities(tags=True))

    async def deliver(self, intent: Intent, attempt: Attempt | None = None) -> Delivered | None:
        private = isinstance(intent, Send) and isinstance(intent.target, DirectTo)
        if private and len(self.refused) < self.failures:
            self.refused.append(intent)
            raise DeliveryFailed("platform said no")
        return await self.inner.deliver(intent, attempt)


async def undelivered(core: Rebound) -> list[tuple[datetime, int]]:
    """(next try, attempts) of every outbox row still waiting for its platform."""
    async with core.store.engine.connect() as connection:
        rows = await connection.execute(
            select(OUTBOUND.c.next_try_at, OUTBOUND.c.attempts).where(
                OUTBOUND.c.delivered_at.is_(None)
            )
        )
        return [(UTCDateTime().process_result_value(at, connection.dialect), n) for at, n in rows]  # type: ignore[misc]


@pytest.mark.parametrize("failures", [1, 2])
async def test_a_failed_delivery_is_retried_after_back_off_and_sent_once(
    database_url: str, clock: ManualClock, failures: int
) -> None:
    core = await build(database_url, clock, "w1")
    try:
        await post_many(core, clock, 1)
        maya = poster(0)
        outbox = FlakyOutbox(failures)
        clock.advance(timedelta(days=1))

        for attempt in range(failures):
            await drain(core, outbox)
            assert len(outbox.refused) == attempt + 1
            assert outcome_asks(outbox.inner) == []
            # The follow-up fired; its message waits in the outbox, pushed back by the back-off.
            assert await pending(core, FollowUpKind.OUTCOME_ASK) == 0
            assert await undelivered(core) == [(clock.now() + retry_delay(attempt), attempt + 1)]
            # Not before the back-off has passed.
            clock.advance(retry_delay(attempt) - timedelta(seconds=1))
            assert await drain(core, outbox) == 0
            assert outcome_asks(outbox.inner) == []
            clock.advance(timedelta(seconds=1))

        assert retry_delay(0) == RETRY_BASE
        await drain(core, outbox)
        assert asked(outbox.inner) == Counter({maya.user_id: 1})
        assert await undelivered(core) == []

        # Nothing is sent twice: the nudge went once, the ask once, and no more later.
        clock.advance(timedelta(days=2))
        await drain(core, outbox)
        assert asked(outbox.inner) == Counter({maya.user_id: 1})
        assert len(nudges(outbox.inner)) == 1
        assert len(outbox.inner.sent) == 2
    finally:
        await core.close()


@dataclass
class FailsOnce:
    """Refuses the first intent of type `kind`, then behaves."""

    kind: type
    inner: RecordingOutbox = field(default_factory=RecordingOutbox)
    refused: list[Intent] = field(default_factory=list)
    capabilities: Capabilities = field(default_factory=lambda: Capabilities(tags=True))

    async def deliver(self, intent: Intent, attempt: Attempt | None = None) -> Delivered | None:
        if isinstance(intent, self.kind) and not self.refused:
            self.refused.append(intent)
            raise DeliveryFailed("platform said no")
        return await self.inner.deliver(intent, attempt)


async def test_a_follow_up_that_failed_part_way_does_not_repeat_what_was_sent(
    database_url: str, clock: ManualClock
) -> None:
    """Closing sends a note, refreshes the status and closes the thread. If closing the thread
    fails, the retry must not post the closing note a second time."""
    core = await build(database_url, clock, "w1")
    try:
        thread = await Harness(core, clock).post(poster(0))
        outbox = FailsOnce(CloseThread)
        clock.advance(timedelta(days=31))
        await drain(core, outbox)
        assert len(outbox.refused) == 1
        assert await pending(core, FollowUpKind.CLOSE) == 0
        assert len(await undelivered(core)) == 1  # only the close itself is left to send

        clock.advance(RETRY_BASE)
        await drain(core, outbox)

        assert closed_threads(outbox.inner) == Counter({thread: 1})
        assert await pending(core, FollowUpKind.CLOSE) == 0
        assert thread_notes(outbox.inner) == Counter({thread: 1})
    finally:
        await core.close()
