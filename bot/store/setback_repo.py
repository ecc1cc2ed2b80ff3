"""Posts (setbacks): taken one writer at a time, read, changed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Unpack

from sqlalchemy import BigInteger, bindparam, func, select

from bot.domain.model import Post, PostDraft, PostSource
from bot.store.changes import SetbackChanges
from bot.store.early_repo import lock_key
from bot.store.followup_repo import FollowUps, schedule_statement
from bot.store.merged_writes import bound_values, post_with_writes
from bot.store.prepared import prepared
from bot.store.records import setback_of
from bot.store.repo_base import RepoBase
from bot.store.statements import SETBACK, scoped_params, take_post, update_scoped

_ADD_SETBACK = prepared(SETBACK.insert().returning(*SETBACK.c))
_THIS_POST = (SETBACK.c.community_id == bindparam("b_community"), SETBACK.c.id == bindparam("b_id"))
_TAKE_SETBACK = prepared(take_post(*_THIS_POST))
_TAKE_FOR_THREAD = take_post(*_THIS_POST).values(
    thread_ref=bindparam("v_thread"), status_message_ref=bindparam("v_root")
)
# PostgreSQL: the thread's lock (see `EarlyRepo.lock_thread`) taken in the same statement,
# once the post's row is (RETURNING runs on the updated row).
_TAKE_FOR_THREAD_LOCKED = prepared(
    _TAKE_FOR_THREAD.returning(func.pg_advisory_xact_lock(bindparam("b_lock", type_=BigInteger)))
)
_TAKE_FOR_THREAD = prepared(_TAKE_FOR_THREAD)
# A post is stored at version 0 and every take raises it by one (`take_post`).
_FIRST_TAKE_VERSION = 1

_ANY_ID = SETBACK.c.id.in_(bindparam("b_ids", expanding=True))
_TAKE_BY_ID = prepared(take_post(_ANY_ID))
_BY_ID = prepared(select(SETBACK).where(_ANY_ID))


def first_taken(post: Post) -> bool:
    """Whether `post`, just taken, was taken for the first time since it was added: no
    other transaction has taken it, before or meanwhile."""
    return post.version == _FIRST_TAKE_VERSION


class SetbackRepo(RepoBase):
    """Posts; every read is scoped to a community."""

    # --- setbacks -------------------------------------------------------------------------

    async def add_post(
        self,
        *,
        community_id: str,
        poster_id: str,
        poster_name: str,
        draft: PostDraft,
        pseudonym: str,
        source: PostSource,
        channel_id: str,
        now: datetime,
        thread_ref: str | None = None,
        follow_ups: FollowUps | None = None,
    ) -> Post:
        """Record a post, counted for the outcomes page, with its `follow_ups` scheduled
        (as `FollowUpRepo.schedule` does): one statement on PostgreSQL."""
        params = {
            "community_id": community_id,
            "poster_id": poster_id,
            "poster_name": poster_name,
            "anonymous": draft.anonymous,
            "pseudonym": pseudonym,
            "title": draft.title,
            "body": draft.body,
            "stage": draft.stage.value if draft.stage else None,
            "kind": draft.kind.value if draft.kind else None,
            "tags": list(draft.tags),
            "source": source.value,
            "channel_id": channel_id,
            "thread_ref": thread_ref,
            "created_at": now,
            "last_activity_at": now,
            "outcome_ask_at": draft.ask_outcome_at,
            "stop_asking": False,
            "still_waiting_count": 0,
        }
        if self._dialect == "postgresql":
            due = follow_ups.due if follow_ups else {}
            statement = post_with_writes(tuple(params), len(due))
            merged = bound_values(params)
            if follow_ups:
                merged.update(follow_ups.params(community_id, None))
            return setback_of((await self._db.execute(statement, merged)).mappings().one())
        post = setback_of((await self._db.execute(_ADD_SETBACK, params)).mappings().one())
        await self.rollups.post_added(community_id, post.id)
        if follow_ups and follow_ups.due:
            schedule = schedule_statement(self._dialect, len(follow_ups.due), reopen=False)
            await self._db.execute(schedule, follow_ups.params(community_id, post.id))
        return post

    async def update_post(
        self, community_id: str, setback_id: int, **values: Unpack[SetbackChanges]
    ) -> None:
        statement = update_scoped(SETBACK.name, tuple(values))
        await self._db.execute(statement, scoped_params(community_id, setback_id, values))

    async def post(self, community_id: str, setback_id: int) -> Post | None:
        """The post, taken for a change: one writer per post at a time (see `take_post`).

        Everything read after this call sees what earlier writers of the post committed."""
        params = {"b_community": community_id, "b_id": setback_id}
        row = (await self._db.execute(_TAKE_SETBACK, params)).mappings().first()
        return setback_of(row) if row else None

    async def record_thread(
        self, community_id: str, setback_id: int, thread_ref: str, root_ref: str
    ) -> Post | None:
        """Take the post (like `post`), record its thread and root message and hold the
        thread's lock (`EarlyRepo.lock_thread`), in one statement; the post as it is now,
        None when there is none (and then no lock is taken).

        The lock comes after the post's row, as when it was a statement of its own, and a
        statement after this one sees what the lock's last holder committed."""
        params = {
            "b_community": community_id,
            "b_id": setback_id,
            "v_thread": thread_ref,
            "v_root": root_ref,
        }
        statement = _TAKE_FOR_THREAD
        if self._dialect == "postgresql":
            statement = _TAKE_FOR_THREAD_LOCKED
            params["b_lock"] = lock_key(community_id, thread_ref)
        row = (await self._db.execute(statement, params)).mappings().first()
        return setback_of(row) if row else None

    async def post_by_thread(
        self, community_id: str, thread_ref: str, *, active_at: datetime | None = None
    ) -> Post | None:
        """The post of a thread, taken for a change like `setback`; with `active_at`, its
        activity noted at that time in the same statement (see `touch_post`)."""
        params: dict[str, Any] = {"b_community": community_id, "b_thread": thread_ref}
        statement = self._hot.post_by_thread
        if active_at is not None:
            statement, params["b_at"] = self._hot.post_by_thread_active, active_at
        row = (await self._db.execute(statement, params)).mappings().first()
        return setback_of(row) if row else None

    async def touch_post(self, community_id: str, setback_id: int, now: datetime) -> None:
        """Note activity on a post (which keeps it from closing)."""
        params = {"b_community": community_id, "b_id": setback_id, "b_at": now}
        await self._db.execute(self._hot.touch_post, params)

    async def open_anonymous_setbacks(self, community_id: str, poster_id: str) -> list[Post]:
        """The poster's anonymous posts still open for replies, newest first."""
        return await self.open_setbacks_of(community_id, poster_id, anonymous_only=True)

    async def open_setbacks_of(
        self, community_id: str, poster_id: str, *, anonymous_only: bool = False
    ) -> list[Post]:
        """The poster's posts (or only their anonymous ones) still open for replies, newest
        first."""
        conditions = [
            SETBACK.c.community_id == community_id,
            SETBACK.c.poster_id == poster_id,
            SETBACK.c.closed_at.is_(None),
            SETBACK.c.thread_ref.is_not(None),
        ]
        if anonymous_only:
            conditions.append(SETBACK.c.anonymous.is_(True))
        rows = await self._db.execute(
            select(SETBACK).where(*conditions).order_by(SETBACK.c.id.desc())
        )
        return [setback_of(row) for row in rows.mappings()]

    async def poster_community(
        self, platform: str, poster_id: str, setback_id: int | None
    ) -> str | None:
        """The community on `platform` of the poster's post `setback_id`, or without it (or
        when it is not theirs) of their newest open post: where a private message belongs
        when the platform does not say (a Discord shard is given every server's DMs)."""
        on_platform = SETBACK.c.community_id.startswith(f"{platform}:", autoescape=True)
        theirs = [on_platform, SETBACK.c.poster_id == poster_id]
        if setback_id is not None:
            query = select(SETBACK.c.community_id).where(*theirs, SETBACK.c.id == setback_id)
            found = (await self._db.execute(query)).scalar()
            if found is not None:
                return str(found)
        newest = (
            select(SETBACK.c.community_id)
            .where(*theirs, SETBACK.c.closed_at.is_(None), SETBACK.c.thread_ref.is_not(None))
            .order_by(SETBACK.c.id.desc())
            .limit(1)
        )
        found = (await self._db.execute(newest)).scalar()
        return None if found is None else str(found)

    async def open_posts(self, community_id: str) -> list[Post]:
        """Every post with a thread still open for replies, oldest first."""
        rows = await self._db.execute(
            select(SETBACK)
            .where(
                SETBACK.c.community_id == community_id,
                SETBACK.c.closed_at.is_(None),
                SETBACK.c.thread_ref.is_not(None),
            )
            .order_by(SETBACK.c.id)
        )
        return [setback_of(row) for row in rows.mappings()]

    async def posts_by_poster(self, community_id: str, poster_id: str, limit: int) -> list[Post]:
        """The member's own posts, newest first (read-only, for their home page)."""
        rows = await self._db.execute(
            select(SETBACK)
            .where(
                SETBACK.c.community_id == community_id,
                SETBACK.c.poster_id == poster_id,
                SETBACK.c.withdrawn_at.is_(None),
            )
            .order_by(SETBACK.c.id.desc())
            .limit(limit)
        )
        return [setback_of(row) for row in rows.mappings()]

    async def posts_by_id(
        self, community_id: str, ids: Iterable[int], *, lock: bool = False
    ) -> dict[int, Post]:
        """Posts by id; `lock` takes them for a change, like `setback`."""
        # By primary key alone: with the community in the WHERE clause SQLite's planner picks
        # the (community, poster) index and walks the whole community. Scoped just below.
        statement = _TAKE_BY_ID if lock else _BY_ID
        rows = await self._db.execute(statement, {"b_ids": list(ids)})
        return {
            row["id"]: setback_of(row)
            for row in rows.mappings()
            if row["community_id"] == community_id
        }
