"""Replies to posts, best answers and appreciations."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Unpack

from sqlalchemy import Select, bindparam, delete, select, update

from bot.domain.model import Post, Reply
from bot.store.care_repo import PREVIOUS_REPLY
from bot.store.changes import ReplyChanges
from bot.store.early_repo import KEPT_FOR
from bot.store.followup_repo import FollowUps, schedule_statement
from bot.store.merged_writes import bound_values, reply_with_writes
from bot.store.prepared import prepared
from bot.store.records import APPRECIATIONS, reply_of, setback_of
from bot.store.rollup_repo import counts_first_reply, wait_bucket
from bot.store.setback_repo import SetbackRepo
from bot.store.statements import (
    APPRECIATION,
    REPLY,
    SETBACK,
    scoped_params,
    take_post,
    update_scoped,
)

_REPLY_BY_ID = prepared(
    select(REPLY, APPRECIATIONS).where(
        REPLY.c.community_id == bindparam("b_community"), REPLY.c.id == bindparam("b_id")
    )
)
_REPLY_BY_REF = prepared(
    select(REPLY, APPRECIATIONS).where(
        REPLY.c.community_id == bindparam("b_community"), REPLY.c.message_ref == bindparam("b_ref")
    )
)
# The post of a reply, taken (see `take_post`) in the statement that finds it.
_TAKE_POST_BY_REPLY_REF = prepared(
    take_post(
        SETBACK.c.community_id == bindparam("b_community"),
        SETBACK.c.id
        == select(REPLY.c.setback_id)
        .where(
            REPLY.c.community_id == bindparam("b_community"),
            REPLY.c.message_ref == bindparam("b_ref"),
        )
        .scalar_subquery(),
    )
)
_REPLIES_OF = prepared(
    select(REPLY, APPRECIATIONS)
    .where(
        REPLY.c.community_id == bindparam("b_community"),
        REPLY.c.setback_id.in_(bindparam("b_ids", expanding=True)),
    )
    .order_by(REPLY.c.created_at, REPLY.c.id)
)
_MARK_BEST = prepared(
    update(REPLY)
    .where(
        REPLY.c.community_id == bindparam("b_community"),
        REPLY.c.id == bindparam("b_id"),
        REPLY.c.best_marked_at.is_(None),
        REPLY.c.deleted.is_(False),
    )
    .values(best_marked_at=bindparam("b_now"), best_marked_by=bindparam("b_by"))
)


def _reply_params(
    post: Post,
    author_id: str,
    author_name: str,
    message_ref: str | None,
    now: datetime,
    *,
    relayed: bool,
) -> dict[str, Any]:
    """A new reply's columns but its text and whether it is deleted."""
    return {
        "community_id": post.community_id,
        "setback_id": post.id,
        "author_id": author_id,
        "author_name": author_name,
        "by_poster": author_id == post.poster_id,
        "relayed": relayed,
        "message_ref": message_ref,
        "created_at": now,
    }


@dataclass(frozen=True)
class RecordedReply:
    """A reply just recorded: its id, whether its message was deleted before it came, and
    (when asked for) the author and words of the message before it in the thread."""

    id: int
    deleted: bool
    previous: tuple[str, str] | None = None


@dataclass(frozen=True)
class _NewReply:
    """A reply from its message, to record: its post, its columns (`_reply_params`), its
    tombstone look-up and words, and what is written or read with it."""

    post: Post
    params: dict[str, Any]
    found: dict[str, Any]
    activity: FollowUps | None
    previous: bool


class ReplyRepo(SetbackRepo):
    """Replies; a reply's post is always taken before the reply is changed."""

    # --- replies --------------------------------------------------------------------------

    async def add_reply(
        self,
        post: Post,
        *,
        author_id: str,
        author_name: str,
        text: str,
        message_ref: str | None,
        now: datetime,
        relayed: bool = False,
        deleted: bool = False,
    ) -> int | None:
        """Record a reply; None if its message was already recorded (under another event id)."""
        params = _reply_params(post, author_id, author_name, message_ref, now, relayed=relayed)
        params["text"], params["deleted"] = text, deleted
        row_id = (await self._db.execute(self._hot.add_reply, params)).scalar()
        if row_id is None:
            return None
        await self.rollups.reply_added(post, author_id, relayed=relayed, now=now)
        return int(row_id)

    async def add_message_reply(
        self,
        post: Post,
        *,
        author_id: str,
        author_name: str,
        text: str,
        message_ref: str,
        now: datetime,
        activity: FollowUps | None = None,
        previous: bool = False,
    ) -> RecordedReply | None:
        """Record a reply from its platform message; None if the message was already
        recorded (under another event id). A message deleted before it got here (see
        `EarlyRepo.bury`) is recorded without its words, so a later delivery of it finds it
        and it can never be shown or marked.

        A live reply is activity: the post is touched (`touch_post`, unless it was where it
        was taken) and, with the post's first answer, `activity`'s follow-ups scheduled; a
        reply deleted before it came counts for nothing. With `previous`, the message
        before it in the thread is read too (`CareRepo.previous_reply`). One statement on
        PostgreSQL."""
        params = _reply_params(post, author_id, author_name, message_ref, now, relayed=False)
        found = {
            "b_community": post.community_id,
            "b_ref": message_ref,
            "b_since": now - KEPT_FOR,
            "b_text": text,
        }
        new = _NewReply(post, params, found, activity, previous)
        if self._dialect == "postgresql":
            return await self._add_message_reply_at_once(new)
        return await self._add_message_reply_in_steps(new)

    async def _add_message_reply_in_steps(self, new: _NewReply) -> RecordedReply | None:
        post, params, activity = new.post, new.params, new.activity
        statement = self._hot.add_reply_unless_buried
        row = (await self._db.execute(statement, params | new.found)).first()
        if row is None:
            return None
        now, reply_id, deleted = params["created_at"], int(row[0]), bool(row[1])
        if not deleted:
            author = params["author_id"]
            first = await self.rollups.reply_added(post, author, relayed=False, now=now)
            if activity is not None and post.last_activity_at < now:
                await self.touch_post(post.community_id, post.id, now)
            if activity is not None and activity.due and first:
                schedule = schedule_statement(self._dialect, len(activity.due), reopen=False)
                await self._db.execute(schedule, activity.params(post.community_id, post.id))
        before = None
        if new.previous:
            read = {"b_community": post.community_id, "b_id": post.id, "b_before": reply_id}
            earlier = (await self._db.execute(PREVIOUS_REPLY, read)).first()
            before = (earlier.author_id, earlier.text) if earlier else None
        return RecordedReply(reply_id, deleted, before)

    async def _add_message_reply_at_once(self, new: _NewReply) -> RecordedReply | None:
        post, params, activity = new.post, new.params, new.activity
        now = params["created_at"]
        first = counts_first_reply(post, params["author_id"], relayed=False)
        follow_ups = None if activity is None else len(activity.due)
        statement = reply_with_writes(
            tuple(params), first_counted=first, follow_ups=follow_ups, previous=new.previous
        )
        merged = bound_values(params) | new.found | {"b_setback": post.id, "b_now": now}
        if first:
            merged["b_minutes"] = wait_bucket(post, now)
        if activity is not None:
            merged.update(activity.params(post.community_id, post.id))
        row = (await self._db.execute(statement, merged)).first()
        if row is None:
            return None
        found_before = new.previous and row.author_id is not None
        before = (row.author_id, row.text) if found_before else None
        return RecordedReply(int(row[0]), bool(row[1]), before)

    async def _one_reply(self, statement: Select[Any], params: dict[str, Any]) -> Reply | None:
        row = (await self._db.execute(statement, params)).mappings().first()
        return reply_of(row) if row else None

    async def reply_by_ref(self, community_id: str, message_ref: str) -> Reply | None:
        params = {"b_community": community_id, "b_ref": message_ref}
        return await self._one_reply(_REPLY_BY_REF, params)

    async def reply_with_post(
        self, community_id: str, message_ref: str
    ) -> tuple[Post, Reply] | None:
        """A reply by its message, and its post taken for a change (see `setback`).

        The post is taken before the reply is read, so the reply is as its post's last
        writer left it, and locks are always taken post first, then its rows."""
        params = {"b_community": community_id, "b_ref": message_ref}
        row = (await self._db.execute(_TAKE_POST_BY_REPLY_REF, params)).mappings().first()
        reply = await self.reply_by_ref(community_id, message_ref) if row else None
        return (setback_of(row), reply) if row and reply else None

    async def reply(self, community_id: str, reply_id: int) -> Reply | None:
        params = {"b_community": community_id, "b_id": reply_id}
        return await self._one_reply(_REPLY_BY_ID, params)

    async def replies(self, community_id: str, setback_id: int) -> list[Reply]:
        return (await self.replies_of(community_id, [setback_id])).get(setback_id, [])

    async def replies_of(
        self, community_id: str, setback_ids: Iterable[int]
    ) -> dict[int, list[Reply]]:
        """Replies of several posts in one query, oldest first, by post id."""
        params = {"b_community": community_id, "b_ids": list(setback_ids)}
        rows = await self._db.execute(_REPLIES_OF, params)
        found: dict[int, list[Reply]] = {}
        for row in rows.mappings():
            found.setdefault(row["setback_id"], []).append(reply_of(row))
        return found

    async def update_reply(
        self, community_id: str, reply_id: int, **values: Unpack[ReplyChanges]
    ) -> None:
        statement = update_scoped(REPLY.name, tuple(values))
        await self._db.execute(statement, scoped_params(community_id, reply_id, values))

    async def mark_best(self, community_id: str, reply_id: int, by: str, now: datetime) -> bool:
        """Mark a live reply best; False if it is marked already (whoever won). The
        conditional UPDATE is the guard: of two marks at once, one changes the row."""
        params = {"b_community": community_id, "b_id": reply_id, "b_now": now, "b_by": by}
        return bool((await self._db.execute(_MARK_BEST, params)).rowcount)

    async def unmark_best(self, community_id: str, reply_id: int) -> bool:
        """Unmark a best answer; False if it was not marked (or someone unmarked it first)."""
        result = await self._db.execute(
            update(REPLY)
            .where(
                REPLY.c.community_id == community_id,
                REPLY.c.id == reply_id,
                REPLY.c.best_marked_at.is_not(None),
            )
            .values(best_marked_at=None)
        )
        return bool(result.rowcount)

    async def add_appreciation(self, reply_id: int, member_id: str, now: datetime) -> bool:
        statement = (
            self._insert(APPRECIATION)
            .values(reply_id=reply_id, member_id=member_id, created_at=now)
            .on_conflict_do_nothing()
            .returning(APPRECIATION.c.reply_id)
        )
        return (await self._db.execute(statement)).first() is not None

    async def remove_appreciation(self, reply_id: int, member_id: str) -> bool:
        result = await self._db.execute(
            delete(APPRECIATION).where(
                APPRECIATION.c.reply_id == reply_id, APPRECIATION.c.member_id == member_id
            )
        )
        return bool(result.rowcount)
