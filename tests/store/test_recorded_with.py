"""A post and a reply are recorded with the writes that follow them (one statement on
PostgreSQL, one after another on SQLite): the same rows on both databases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import String, cast, select

from bot.domain.model import FollowUpKind, Post, PostDraft, PostSource
from bot.store.followup_repo import FollowUps
from bot.store.reply_repo import RecordedReply
from bot.store.repo import Repo, Store
from bot.store.rollup_repo import FIRST_REPLY, REPLY_TIME_ROLLUP, posts_slot, wait_bucket
from bot.store.statements import FOLLOW_UP, SETBACK
from tests.store.test_prepared import A, store_with_a_community

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CLOSE_AT = NOW + timedelta(days=7, microseconds=3)
REMIND_AT = NOW + timedelta(hours=20)


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    async with store_with_a_community(database_url) as store:
        yield store


async def _post(repo: Repo, follow_ups: FollowUps | None = None, poster: str = "U-maya") -> Post:
    draft = PostDraft(
        title="Froze",
        body="It went badly.",
        stage=None,
        kind=None,
        tags=(),
        anonymous=False,
        ask_outcome_at=NOW + timedelta(days=14),
    )
    return await repo.add_post(
        community_id=A,
        poster_id=poster,
        poster_name="Maya",
        draft=draft,
        pseudonym="Calm Owl",
        source=PostSource.FORM,
        channel_id="support",
        now=NOW,
        follow_ups=follow_ups,
    )


async def _reply(
    repo: Repo, post: Post, author: str, ref: str, at: datetime, *, previous: bool = True
) -> RecordedReply | None:
    due = {FollowUpKind.CLOSE: CLOSE_AT, FollowUpKind.BEST_REMINDER: REMIND_AT}
    return await repo.add_message_reply(
        post,
        author_id=author,
        author_name=author,
        text=f"words of {ref}",
        message_ref=ref,
        now=at,
        activity=FollowUps("console", due),
        previous=previous,
    )


async def _rows(repo: Repo, statement: Any) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in await repo._db.execute(statement)]


async def _due(repo: Repo, post: Post) -> dict[str, tuple[str, Any]]:
    """Each follow-up's due time as stored (text: the same on both paths) and when done."""
    query = select(FOLLOW_UP.c.kind, cast(FOLLOW_UP.c.due_at, String), FOLLOW_UP.c.done_at)
    rows = await _rows(repo, query.where(FOLLOW_UP.c.setback_id == post.id))
    return {kind: (due, done) for kind, due, done in rows}


async def test_a_post_is_stored_counted_with_its_follow_ups(store: Store) -> None:
    due = {FollowUpKind.SUGGESTIONS: NOW, FollowUpKind.CLOSE: CLOSE_AT}
    async with store.transaction() as repo:
        post = await _post(repo, FollowUps("console", due))
        alone = await _post(repo)
        await repo.schedule(alone, "console", due, reopen=False)
        taken = await repo.post(A, post.id)
        stored = await _due(repo, post)
        expected = await _due(repo, alone)
        counts = await _rows(repo, select(REPLY_TIME_ROLLUP.c.minutes, REPLY_TIME_ROLLUP.c.count))
    assert taken is not None and post.version == 0 and taken.version == 1
    assert post.title == "Froze" and post.created_at == NOW and post.stop_asking is False
    assert stored == expected and set(stored) == {kind.value for kind in due}
    slots = [posts_slot(post.id), posts_slot(alone.id)]
    assert sorted(counts) == sorted((slot, slots.count(slot)) for slot in set(slots))


async def test_a_reply_is_stored_with_its_activity_and_the_message_before_it(
    store: Store,
) -> None:
    async with store.transaction() as repo:
        post = await _post(repo)
    later = NOW + timedelta(minutes=90)
    async with store.transaction() as repo:
        first = await _reply(repo, post, "U-jo", "m-1", later)
        second = await _reply(repo, post, "U-ruth", "m-2", later + timedelta(seconds=1))
        by_poster = await _reply(repo, post, "U-maya", "m-3", later + timedelta(seconds=2))
        last = later + timedelta(seconds=3)
        unread = await _reply(repo, post, "U-jo", "m-4", last, previous=False)
        touched = await _rows(repo, select(SETBACK.c.last_activity_at))
        stored = await _due(repo, post)
        firsts = await _rows(repo, select(FIRST_REPLY.c.setback_id, FIRST_REPLY.c.replied_at))
        waits = await _rows(repo, select(REPLY_TIME_ROLLUP.c.minutes, REPLY_TIME_ROLLUP.c.count))
    assert first is not None and not first.deleted and first.previous is None
    assert second is not None and second.previous == ("U-jo", "words of m-1")
    assert by_poster is not None and by_poster.previous == ("U-ruth", "words of m-2")
    assert unread is not None and unread.previous is None
    assert touched == [(last,)]
    assert {kind: due[1] for kind, due in stored.items()} == {"close": None, "best_reminder": None}
    assert firsts == [(post.id, later)]  # only the first reply by someone else counts
    assert sorted(waits) == sorted([(posts_slot(post.id), 1), (wait_bucket(post, later), 1)])


async def test_a_message_recorded_already_or_deleted_first_changes_nothing_else(
    store: Store,
) -> None:
    async with store.transaction() as repo:
        post = await _post(repo)
        assert await _reply(repo, post, "U-jo", "m-1", NOW) is not None
        await repo.early.bury(A, "m-gone", NOW)
        before = (await _due(repo, post), await _rows(repo, select(SETBACK.c.last_activity_at)))
    later = NOW + timedelta(hours=1)
    async with store.transaction() as repo:
        again = await _reply(repo, post, "U-jo", "m-1", later)
        gone = await _reply(repo, post, "U-ruth", "m-gone", later)
        after = (await _due(repo, post), await _rows(repo, select(SETBACK.c.last_activity_at)))
    assert again is None
    assert gone is not None and gone.deleted and gone.previous == ("U-jo", "words of m-1")
    assert after == before  # neither touched the post nor moved its follow-ups


async def test_a_reply_does_not_revive_a_fired_follow_up(store: Store) -> None:
    async with store.transaction() as repo:
        post = await _post(repo, FollowUps("console", {FollowUpKind.BEST_REMINDER: NOW}))
        (fired,) = await repo.claim_due(NOW, ["console"], "w1", NOW + timedelta(minutes=5), 10)
        await repo.finish_many([fired], "w1", NOW)
        await _reply(repo, post, "U-jo", "m-1", NOW + timedelta(minutes=1))
        stored = await _due(repo, post)
    assert stored["best_reminder"][1] is not None  # still done
    assert stored["close"][1] is None
