"""The repository on both databases: time, idempotency keys, scoping and follow-up leases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import String, cast, select
from sqlalchemy.exc import StatementError

from bot.domain.model import (
    CommunitySettings,
    FollowUp,
    FollowUpKind,
    OutcomeReport,
    OutcomeResult,
    Post,
    PostDraft,
    PostSource,
    Stage,
)
from bot.domain.rules import THREAD_PENDING_WAIT
from bot.store.engine import create_engine
from bot.store.migrate import upgrade
from bot.store.repo import Repo, Store
from bot.store.setback_repo import first_taken
from bot.store.statements import FOLLOW_UP

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
A = "console:alpha"
B = "console:beta"
LEASE = timedelta(minutes=5)


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    engine = create_engine(database_url)
    await upgrade(engine)
    store = Store(engine)
    async with store.transaction() as repo:
        await repo.ensure_community(A, "console", CommunitySettings(), NOW)
        await repo.ensure_community(B, "console", CommunitySettings(), NOW)
        await repo.ensure_community("slack:T1", "slack", CommunitySettings(), NOW)
    try:
        yield store
    finally:
        await store.dispose()


def _draft(title: str = "Froze in the screening call", *, anonymous: bool = False) -> PostDraft:
    return PostDraft(
        title=title,
        body="It went badly.",
        stage=Stage.PANEL,
        kind=None,
        tags=("nerves",),
        anonymous=anonymous,
        ask_outcome_at=NOW + timedelta(days=14),
    )


async def _setback(
    repo: Repo,
    community_id: str = A,
    *,
    poster_id: str = "U-maya",
    thread_ref: str | None = None,
    anonymous: bool = False,
    now: datetime = NOW,
) -> Post:
    added = await repo.add_post(
        community_id=community_id,
        poster_id=poster_id,
        poster_name="Maya",
        draft=_draft(anonymous=anonymous),
        pseudonym="Calm Owl",
        source=PostSource.FORM,
        channel_id="support",
        now=now,
        thread_ref=thread_ref,
    )
    post = await repo.post(community_id, added.id)
    assert post == replace(added, version=added.version + 1)  # taking it is a new version
    return post


# --- time ---------------------------------------------------------------------------------


async def finished(repo: Repo, follow_up: FollowUp, owner: str, now: datetime) -> bool:
    """Whether `owner` finishing `follow_up` at `now` marked it done (the scheduler's path)."""
    await repo.finish_many([follow_up], owner, now)
    done = select(FOLLOW_UP.c.done_at).where(FOLLOW_UP.c.id == follow_up.id)
    return (await repo._db.execute(done)).scalar() is not None


async def test_datetimes_round_trip_as_aware_utc(store: Store) -> None:
    plus_two = timezone(timedelta(hours=2))
    local = datetime(2026, 3, 2, 11, 30, 15, 123456, tzinfo=plus_two)
    async with store.transaction() as repo:
        post = await _setback(repo, now=local)
        await repo.update_post(A, post.id, closed_at=NOW)

    async with store.transaction() as repo:
        found = await repo.post(A, post.id)

    assert found is not None
    for value in (found.created_at, found.last_activity_at, found.outcome_ask_at):
        assert value.tzinfo is not None
        assert value.utcoffset() == timedelta(0)
    assert found.created_at == local
    assert found.created_at == datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=UTC)
    assert found.outcome_ask_at == NOW + timedelta(days=14)
    assert found.closed_at == NOW
    assert found.closed_at is not None
    assert found.closed_at.utcoffset() == timedelta(0)


async def test_naive_datetimes_are_refused(store: Store) -> None:
    with pytest.raises((ValueError, StatementError), match="naive"):
        async with store.transaction() as repo:
            await repo.claim_event(A, "ev-naive", datetime(2026, 3, 2, 9, 0))


# --- inbound deliveries -------------------------------------------------------------------


async def test_claim_event_once_per_community(store: Store) -> None:
    async with store.transaction() as repo:
        assert await repo.claim_event(A, "ev-1", NOW) is True
    async with store.transaction() as repo:
        assert await repo.claim_event(A, "ev-1", NOW) is False
        assert await repo.claim_event(A, "ev-1", NOW + timedelta(hours=1)) is False
    async with store.transaction() as repo:
        assert await repo.claim_event(B, "ev-1", NOW) is True
        assert await repo.claim_event(A, "ev-2", NOW) is True


async def test_a_rolled_back_claim_is_forgotten(store: Store) -> None:
    class Boom(Exception):
        pass

    async def claim_then_fail() -> None:
        async with store.transaction() as repo:
            assert await repo.claim_event(A, "ev-1", NOW) is True
            raise Boom

    with pytest.raises(Boom):
        await claim_then_fail()

    async with store.transaction() as repo:
        assert await repo.claim_event(A, "ev-1", NOW) is True


# --- communities --------------------------------------------------------------------------


async def test_community_settings_round_trip(store: Store) -> None:
    settings = CommunitySettings(
        support_channel="C-support",
        helpers_channel="C-helpers",
        locale="en",
        appreciation_emoji="heart",
        reminder_quiet_hours=12,
        nudge_after_hours=6,
        outcome_after_days=21,
        still_waiting_days=10,
        snooze_days=3,
        close_after_days=45,
    )
    async with store.transaction() as repo:
        await repo.ensure_community("slack:T2", "slack", settings, NOW)

    async with store.transaction() as repo:
        assert await repo.community("slack:T2") == ("slack", settings)
        assert await repo.community("slack:unknown") is None

    # An existing community keeps its settings when ensured again.
    async with store.transaction() as repo:
        await repo.ensure_community("slack:T2", "slack", CommunitySettings(), NOW)
    async with store.transaction() as repo:
        assert await repo.community("slack:T2") == ("slack", settings)

    changed = CommunitySettings(support_channel="C-other", close_after_days=7)
    async with store.transaction() as repo:
        await repo.update_settings("slack:T2", changed)
    async with store.transaction() as repo:
        assert await repo.community("slack:T2") == ("slack", changed)
        # Other communities are untouched.
        assert await repo.community(A) == ("console", CommunitySettings())


# --- scoping ------------------------------------------------------------------------------


async def test_records_are_scoped_by_community(store: Store) -> None:
    async with store.transaction() as repo:
        post = await _setback(repo, A, thread_ref="T-1", anonymous=True)
        reply_id = await repo.add_reply(
            post,
            author_id="U-jo",
            author_name="Jo",
            text="Been there.",
            message_ref="M-1",
            now=NOW,
        )
        assert reply_id is not None
        await repo.add_outcome(post, OutcomeReport(result=OutcomeResult.WORKED), NOW)

    async with store.transaction() as repo:
        # Community A finds everything...
        assert await repo.post(A, post.id) is not None
        assert await repo.post_by_thread(A, "T-1") is not None
        assert len(await repo.open_anonymous_setbacks(A, "U-maya")) == 1
        assert set(await repo.posts_by_id(A, [post.id])) == {post.id}
        assert await repo.reply(A, reply_id) is not None
        assert await repo.reply_by_ref(A, "M-1") is not None
        assert [r.id for r in await repo.replies(A, post.id)] == [reply_id]
        assert await repo.has_outcome(A, post.id) is True

        # ...and community B, given the very same ids and refs, finds nothing.
        assert await repo.post(B, post.id) is None
        assert await repo.post_by_thread(B, "T-1") is None
        assert await repo.open_anonymous_setbacks(B, "U-maya") == []
        assert await repo.posts_by_id(B, [post.id]) == {}
        assert await repo.reply(B, reply_id) is None
        assert await repo.reply_by_ref(B, "M-1") is None
        assert await repo.replies(B, post.id) == []
        assert await repo.has_outcome(B, post.id) is False

    async with store.transaction() as repo:
        # Changes addressed through B do not reach A's records.
        await repo.update_post(B, post.id, title="Hijacked")
        await repo.update_reply(B, reply_id, text="Hijacked")
    async with store.transaction() as repo:
        found = await repo.post(A, post.id)
        reply = await repo.reply(A, reply_id)
    assert found is not None
    assert found.title == "Froze in the screening call"
    assert reply is not None
    assert reply.text == "Been there."


async def test_thread_and_message_refs_may_repeat_across_communities(store: Store) -> None:
    async with store.transaction() as repo:
        in_a = await _setback(repo, A, thread_ref="T-1")
        in_b = await _setback(repo, B, thread_ref="T-1", poster_id="U-jo")
        await repo.add_reply(
            in_a, author_id="U-jo", author_name="Jo", text="a", message_ref="M-1", now=NOW
        )
        await repo.add_reply(
            in_b, author_id="U-ruth", author_name="Ruth", text="b", message_ref="M-1", now=NOW
        )

    async with store.transaction() as repo:
        found_a = await repo.post_by_thread(A, "T-1")
        found_b = await repo.post_by_thread(B, "T-1")
        reply_a = await repo.reply_by_ref(A, "M-1")
        reply_b = await repo.reply_by_ref(B, "M-1")
    assert found_a is not None
    assert found_a.id == in_a.id
    assert found_b is not None
    assert found_b.id == in_b.id
    assert reply_a is not None
    assert reply_a.text == "a"
    assert reply_b is not None
    assert reply_b.text == "b"


# --- follow-ups ---------------------------------------------------------------------------


async def test_follow_ups_scheduled_together_are_stored_as_one_alone(store: Store) -> None:
    """Several kinds go in one statement: each due time is stored exactly as a single
    kind's is (the same text, so the SQL comparisons on it hold alike)."""
    when = NOW + timedelta(hours=5, microseconds=7)
    kinds = (FollowUpKind.UNANSWERED_NUDGE, FollowUpKind.OUTCOME_ASK, FollowUpKind.CLOSE)
    async with store.transaction() as repo:
        alone, together = await _setback(repo), await _setback(repo)
        await repo.schedule(alone, "console", {FollowUpKind.CLOSE: when}, reopen=False)
        await repo.schedule(together, "console", dict.fromkeys(kinds, when), reopen=False)
        as_text = select(FOLLOW_UP.c.setback_id, FOLLOW_UP.c.kind, cast(FOLLOW_UP.c.due_at, String))
        stored = {(row[0], row[1]): row[2] for row in await repo._db.execute(as_text)}
    (single,) = (text for (post_id, _), text in stored.items() if post_id == alone.id)
    assert {stored[(together.id, kind.value)] for kind in kinds} == {single}
    async with store.transaction() as repo:
        due = await repo.pending_due_ats([together.id], FollowUpKind.OUTCOME_ASK)
    assert due == {together.id: when}


async def test_schedule_reopen_false_does_not_revive_a_finished_row(store: Store) -> None:
    kind = FollowUpKind.OUTCOME_ASK
    async with store.transaction() as repo:
        post = await _setback(repo)
        await repo.schedule(post, "console", {kind: NOW}, reopen=False)
    async with store.transaction() as repo:
        claimed = await repo.claim_due(NOW, ["console"], "w1", NOW + LEASE, 10)
        assert [f.setback_id for f in claimed] == [post.id]
        assert await finished(repo, claimed[0], "w1", NOW) is True

    later = NOW + timedelta(days=7)
    async with store.transaction() as repo:
        await repo.schedule(post, "console", {kind: later}, reopen=False)
    async with store.transaction() as repo:
        assert await repo.pending_due_at(post.id, kind) is None
        assert await repo.claim_due(later, ["console"], "w1", later + LEASE, 10) == []

    async with store.transaction() as repo:
        await repo.schedule(post, "console", {kind: later}, reopen=True)
    async with store.transaction() as repo:
        assert await repo.pending_due_at(post.id, kind) == later
        assert (
            await repo.claim_due(later - timedelta(seconds=1), ["console"], "w1", later, 10) == []
        )
        revived = await repo.claim_due(later, ["console"], "w1", later + LEASE, 10)
    assert [f.setback_id for f in revived] == [post.id]
    assert revived[0].attempts == 1  # reopening starts the attempts afresh


async def test_schedule_moves_a_pending_row(store: Store) -> None:
    kind = FollowUpKind.CLOSE
    async with store.transaction() as repo:
        post = await _setback(repo)
        await repo.schedule(post, "console", {kind: NOW + timedelta(days=30)}, reopen=False)
        await repo.schedule(post, "console", {kind: NOW + timedelta(days=31)}, reopen=False)
    async with store.transaction() as repo:
        assert await repo.pending_due_at(post.id, kind) == NOW + timedelta(days=31)
    async with store.engine.connect() as connection:
        statement = select(FOLLOW_UP.c.id).where(FOLLOW_UP.c.setback_id == post.id)
        rows = (await connection.execute(statement)).all()
    assert len(rows) == 1


async def test_cancel_finishes_a_pending_row(store: Store) -> None:
    kind = FollowUpKind.OUTCOME_ASK
    async with store.transaction() as repo:
        post = await _setback(repo)
        await repo.schedule(post, "console", {kind: NOW}, reopen=False)
        await repo.cancel(post.id, kind, NOW)
    async with store.transaction() as repo:
        assert await repo.pending_due_at(post.id, kind) is None
        assert await repo.claim_due(NOW, ["console"], "w1", NOW + LEASE, 10) == []


async def test_claim_due_scoped_to_communities_takes_only_theirs(store: Store) -> None:
    """A Discord shard claims only its own guilds' rows; the others stay free for theirs."""
    kind = FollowUpKind.OUTCOME_ASK
    async with store.transaction() as repo:
        in_a = await _setback(repo, A, poster_id="U-a")
        in_b = await _setback(repo, B, poster_id="U-b")
        for post in (in_a, in_b):
            await repo.schedule(post, "console", {kind: NOW - timedelta(minutes=1)}, reopen=False)

    async with store.transaction() as repo:
        mine = await repo.claim_due(NOW, ["console"], "w1", NOW + LEASE, 10, communities=[B])
    assert [f.setback_id for f in mine] == [in_b.id]
    async with store.transaction() as repo:
        others = await repo.claim_due(NOW, ["console"], "w2", NOW + LEASE, 10, communities=[A])
    assert [f.setback_id for f in others] == [in_a.id]


async def test_claim_due_returns_due_rows_of_the_platforms_in_due_order(store: Store) -> None:
    kind = FollowUpKind.OUTCOME_ASK
    offsets = [40, 10, 30, 20, 50]  # minutes before NOW; all due
    async with store.transaction() as repo:
        console = [await _setback(repo, A, poster_id=f"U-{i}") for i in range(len(offsets))]
        for post, minutes in zip(console, offsets, strict=True):
            await repo.schedule(
                post, "console", {kind: NOW - timedelta(minutes=minutes)}, reopen=False
            )
        not_yet = await _setback(repo, A, poster_id="U-later")
        await repo.schedule(not_yet, "console", {kind: NOW + timedelta(days=1)}, reopen=False)
        done = await _setback(repo, A, poster_id="U-done")
        await repo.schedule(done, "console", {kind: NOW - timedelta(hours=5)}, reopen=False)
        await repo.cancel(done.id, kind, NOW)
        slack = await _setback(repo, "slack:T1", poster_id="U-slack")
        await repo.schedule(slack, "slack", {kind: NOW - timedelta(hours=9)}, reopen=False)

    by_due = [s.id for _, s in sorted(zip(offsets, console, strict=True), key=lambda p: -p[0])]

    async with store.transaction() as repo:
        first = await repo.claim_due(NOW, ["console"], "w1", NOW + LEASE, 2)
    assert [f.setback_id for f in first] == by_due[:2]
    assert all(f.community_id == A and f.kind is kind and f.attempts == 1 for f in first)
    assert [f.due_at for f in first] == sorted(f.due_at for f in first)

    # Leased rows are skipped by everyone, the lease holder included.
    async with store.transaction() as repo:
        second = await repo.claim_due(NOW, ["console"], "w2", NOW + LEASE, 2)
    assert [f.setback_id for f in second] == by_due[2:4]
    async with store.transaction() as repo:
        third = await repo.claim_due(NOW, ["console"], "w1", NOW + LEASE, 10)
    assert [f.setback_id for f in third] == by_due[4:]
    async with store.transaction() as repo:
        assert await repo.claim_due(NOW, ["console"], "w2", NOW + LEASE, 10) == []

    # Another platform's rows go only to a worker serving that platform.
    async with store.transaction() as repo:
        slack_rows = await repo.claim_due(NOW, ["slack", "discord"], "w3", NOW + LEASE, 10)
    assert [f.setback_id for f in slack_rows] == [slack.id]

    # Finished rows never come back; unfinished ones do once their lease has passed.
    async with store.transaction() as repo:
        assert await finished(repo, first[0], "w1", NOW) is True
        assert await finished(repo, first[1], "w2", NOW) is False  # not w2's lease
    just_before = NOW + LEASE - timedelta(seconds=1)
    async with store.transaction() as repo:
        assert await repo.claim_due(just_before, ["console"], "w2", just_before + LEASE, 10) == []
    expired = NOW + LEASE
    async with store.transaction() as repo:
        again = await repo.claim_due(expired, ["console", "slack"], "w2", expired + LEASE, 10)
    assert [f.setback_id for f in again] == [slack.id, *by_due[1:]]
    assert all(f.attempts == 2 for f in again)
    assert not_yet.id not in {f.setback_id for f in again}

    # The row that lost its lease to w2 cannot be finished by w1 any more.
    async with store.transaction() as repo:
        assert await finished(repo, first[1], "w1", expired) is False
        retaken = next(f for f in again if f.id == first[1].id)
        assert await finished(repo, retaken, "w2", expired) is True


async def test_postpone_gives_a_row_back_for_later(store: Store) -> None:
    kind = FollowUpKind.CLOSE
    async with store.transaction() as repo:
        post = await _setback(repo)
        await repo.schedule(post, "console", {kind: NOW}, reopen=False)
    async with store.transaction() as repo:
        (row,) = await repo.claim_due(NOW, ["console"], "w1", NOW + LEASE, 10)
        await repo.postpone(row.id, "w1", NOW + timedelta(hours=1))
    async with store.transaction() as repo:
        assert await repo.pending_due_at(post.id, kind) == NOW + timedelta(hours=1)
        # Not due yet, although its lease was given up.
        assert await repo.claim_due(NOW + LEASE, ["console"], "w2", NOW + 2 * LEASE, 10) == []
        later = NOW + timedelta(hours=1)
        (again,) = await repo.claim_due(later, ["console"], "w2", later + LEASE, 10)
    assert again.id == row.id


async def test_a_row_rescheduled_while_leased_is_released_not_finished(store: Store) -> None:
    """A snooze that lands while the ask is being sent must not be swallowed by `finish`."""
    kind = FollowUpKind.OUTCOME_ASK
    async with store.transaction() as repo:
        post = await _setback(repo)
        await repo.schedule(post, "console", {kind: NOW}, reopen=False)
    async with store.transaction() as repo:
        (claimed,) = await repo.claim_due(NOW, ["console"], "w1", NOW + LEASE, 10)
    later = NOW + timedelta(days=7)
    async with store.transaction() as repo:
        await repo.schedule(post, "console", {kind: later}, reopen=True)
    async with store.transaction() as repo:
        assert await finished(repo, claimed, "w1", NOW) is False
        assert await repo.pending_due_at(post.id, kind) == later
    async with store.transaction() as repo:
        (again,) = await repo.claim_due(later, ["console"], "w2", later + LEASE, 10)
    assert again.id == claimed.id


async def test_recording_a_thread_takes_the_post(store: Store) -> None:
    """One statement takes the post and records its thread; a post taken before (or
    meanwhile) is no longer taken for the first time."""
    async with store.transaction() as repo:
        post = await _setback(repo)
        assert first_taken(post)
    async with store.transaction() as repo:
        assert await repo.record_thread(B, post.id, "t-1", "m-1") is None  # not B's
        recorded = await repo.record_thread(A, post.id, "t-1", "m-1")
    taken_again = replace(post, version=post.version + 1)
    assert recorded == replace(taken_again, thread_ref="t-1", status_message_ref="m-1")
    assert not first_taken(recorded)


async def test_a_post_taken_by_its_thread_for_a_message_notes_its_activity(store: Store) -> None:
    async with store.transaction() as repo:
        post = await _setback(repo, thread_ref="t-1")
    later = NOW + timedelta(hours=5)
    async with store.transaction() as repo:
        taken = await repo.post_by_thread(A, "t-1")
        active = await repo.post_by_thread(A, "t-1", active_at=later)
        assert await repo.post_by_thread(B, "t-1", active_at=later) is None  # not B's
    assert taken == replace(post, version=post.version + 1)  # activity left as it was
    assert active == replace(post, version=post.version + 2, last_activity_at=later)
    async with store.transaction() as repo:
        assert await repo.post(A, post.id) == replace(active, version=active.version + 1)


async def test_a_recorded_thread_wakes_the_follow_ups_put_off_for_it(store: Store) -> None:
    """Put off while the post's thread was pending, due again the moment it is recorded;
    one due later than the wait, and one being fired, are left alone."""
    async with store.transaction() as repo:
        post = await _setback(repo)
        due = {
            FollowUpKind.OUTCOME_ASK: NOW,
            FollowUpKind.UNANSWERED_NUDGE: NOW,
            FollowUpKind.CLOSE: NOW + timedelta(days=30),
        }
        await repo.schedule(post, "console", due, reopen=False)
    async with store.transaction() as repo:
        claimed = await repo.claim_due(NOW, ["console"], "w1", NOW + LEASE, 10)
        ask = next(f for f in claimed if f.kind is FollowUpKind.OUTCOME_ASK)
        await repo.postpone(ask.id, "w1", NOW + THREAD_PENDING_WAIT)  # the nudge stays leased
    woken_at = NOW + timedelta(minutes=2)
    async with store.transaction() as repo:
        await repo.wake_for_thread(post.community_id, post.id, woken_at, THREAD_PENDING_WAIT)
    async with store.transaction() as repo:
        assert await repo.pending_due_at(post.id, FollowUpKind.OUTCOME_ASK) == woken_at
        assert await repo.pending_due_at(post.id, FollowUpKind.UNANSWERED_NUDGE) == NOW
        assert await repo.pending_due_at(post.id, FollowUpKind.CLOSE) == NOW + timedelta(days=30)
