"""Everything Rebound keeps about one member: read for an export, removed on request.

Only the member's own rows are read: their posts (anonymous ones too), their replies, the
marks and appreciations they gave, their posts' outcomes and template uses, their settings.
Nothing here reads another member's name or id.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, Text, bindparam, cast, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.library_repo import FEATURED, HIDDEN, PREFERENCE, SHARE, drop_entries
from bot.store.prepared import prepared
from bot.store.rollup_repo import forget_helper
from bot.store.statements import (
    APPRECIATION,
    COMMUNITY,
    CONVERSATION,
    FOLLOW_UP,
    OUTBOUND,
    OUTCOME,
    REPLY,
    SETBACK,
    TEMPLATE_DRAFT,
    TEMPLATE_USE,
)
from bot.store.tables import CareEventRow, ForgottenRow, MemberSettingRow

FORGOTTEN = ForgottenRow
CARE_EVENT = CareEventRow
MEMBER_SETTING = MemberSettingRow
Row = dict[str, Any]


def member_key(community_id: str, member_id: str) -> str:
    """Who was forgotten, as a hash: enough to tell them again, not to know who they were."""
    return hashlib.sha256(f"{community_id}\x00{member_id}".encode()).hexdigest()


def _rows(result: Any) -> list[Row]:
    return [dict(row) for row in result.mappings()]


class MemberDataRepo:
    def __init__(self, connection: AsyncConnection, insert: Any) -> None:
        self._db = connection
        self._insert = insert

    async def _whose(self, rows: Table, owner: str, community_id: str, member_id: str) -> list[Row]:
        """Every row of `rows` whose `owner` column names the member, oldest first."""
        found = await self._db.execute(
            select(rows)
            .where(rows.c.community_id == community_id, rows.c[owner] == member_id)
            .order_by(rows.c.id)
        )
        return _rows(found)

    async def posts(self, community_id: str, member_id: str) -> list[Row]:
        return await self._whose(SETBACK, "poster_id", community_id, member_id)

    async def replies(self, community_id: str, member_id: str) -> list[Row]:
        return await self._whose(REPLY, "author_id", community_id, member_id)

    async def marks_given(self, community_id: str, member_id: str) -> list[Row]:
        return _rows(
            await self._db.execute(
                select(REPLY.c.id.label("reply_id"), REPLY.c.best_marked_at)
                .where(
                    REPLY.c.community_id == community_id,
                    REPLY.c.best_marked_by == member_id,
                    REPLY.c.best_marked_at.is_not(None),
                )
                .order_by(REPLY.c.id)
            )
        )

    async def appreciations_given(self, community_id: str, member_id: str) -> list[Row]:
        return _rows(
            await self._db.execute(
                select(APPRECIATION.c.reply_id, APPRECIATION.c.created_at)
                .join(REPLY, REPLY.c.id == APPRECIATION.c.reply_id)
                .where(REPLY.c.community_id == community_id, APPRECIATION.c.member_id == member_id)
                .order_by(APPRECIATION.c.reply_id)
            )
        )

    async def outcomes(self, community_id: str, post_ids: Iterable[int]) -> list[Row]:
        return _rows(
            await self._db.execute(
                select(OUTCOME)
                .where(OUTCOME.c.community_id == community_id, OUTCOME.c.setback_id.in_(post_ids))
                .order_by(OUTCOME.c.id)
            )
        )

    async def template_uses(self, community_id: str, post_ids: Iterable[int]) -> list[Row]:
        return _rows(
            await self._db.execute(
                select(TEMPLATE_USE)
                .where(
                    TEMPLATE_USE.c.community_id == community_id,
                    TEMPLATE_USE.c.setback_id.in_(post_ids),
                )
                .order_by(TEMPLATE_USE.c.id)
            )
        )

    async def settings(self, community_id: str, member_id: str) -> Row | None:
        found = await self._db.execute(
            select(MEMBER_SETTING.c.dm_opt_out, MEMBER_SETTING.c.updated_at).where(
                MEMBER_SETTING.c.community_id == community_id,
                MEMBER_SETTING.c.member_id == member_id,
            )
        )
        row = found.mappings().first()
        return dict(row) if row else None

    async def care_events(self, community_id: str, member_id: str) -> list[Row]:
        return _rows(
            await self._db.execute(
                select(CARE_EVENT.c.kind, CARE_EVENT.c.setback_id, CARE_EVENT.c.created_at)
                .where(
                    CARE_EVENT.c.community_id == community_id,
                    CARE_EVENT.c.member_id == member_id,
                )
                .order_by(CARE_EVENT.c.id)
            )
        )

    async def forgotten(self, community_id: str, member_id: str) -> list[datetime]:
        found = await self._db.execute(
            select(FORGOTTEN.c.forgotten_at)
            .where(
                FORGOTTEN.c.community_id == community_id,
                FORGOTTEN.c.member_key == member_key(community_id, member_id),
            )
            .order_by(FORGOTTEN.c.forgotten_at)
        )
        return list(found.scalars())

    # --- forgetting ---------------------------------------------------------------------

    async def claim_forgetting(
        self, community_id: str, member_id: str, request: str, now: datetime
    ) -> bool:
        """Record the request; False if this very request was carried out already."""
        values = {
            "community_id": community_id,
            "member_key": member_key(community_id, member_id),
            "request": request,
            "forgotten_at": now,
        }
        inserted = await self._db.execute(
            self._insert(FORGOTTEN)
            .values(**values)
            .on_conflict_do_nothing()
            .returning(FORGOTTEN.c.request)
        )
        return inserted.first() is not None

    async def remove_replies(self, community_id: str, member_id: str) -> list[str]:
        """Delete the member's replies (and appreciations of them); the refs of those the
        bot relayed, whose copies on the platform are the bot's to edit."""
        mine = select(REPLY.c.id).where(
            REPLY.c.community_id == community_id, REPLY.c.author_id == member_id
        )
        relayed = await self._db.execute(
            select(REPLY.c.message_ref).where(
                REPLY.c.community_id == community_id,
                REPLY.c.author_id == member_id,
                REPLY.c.relayed.is_(True),
                REPLY.c.message_ref.is_not(None),
            )
        )
        refs = [str(ref) for ref in relayed.scalars()]
        await forget_helper(self._db, community_id, member_id)
        await _out_of_the_library(
            self._db, FEATURED.c.reply_id.in_(mine), SHARE.c.reply_id.in_(mine)
        )
        await self._db.execute(delete(HIDDEN).where(HIDDEN.c.reply_id.in_(mine)))
        await self._db.execute(delete(APPRECIATION).where(APPRECIATION.c.reply_id.in_(mine)))
        await self._db.execute(
            delete(REPLY).where(
                REPLY.c.community_id == community_id, REPLY.c.author_id == member_id
            )
        )
        return refs

    async def remove_given(self, community_id: str, member_id: str) -> None:
        """Appreciations and best marks the member gave, their settings and conversations."""
        await self._db.execute(delete(APPRECIATION).where(APPRECIATION.c.member_id == member_id))
        await self._db.execute(
            update(REPLY)
            .where(REPLY.c.community_id == community_id, REPLY.c.best_marked_by == member_id)
            .values(best_marked_by=None)
        )
        settings = (
            (MEMBER_SETTING, "member_id"),
            (CONVERSATION, "user_id"),
            (PREFERENCE, "member_id"),
        )
        for settings_table, column in settings:
            await self._db.execute(
                delete(settings_table).where(
                    settings_table.c.community_id == community_id,
                    settings_table.c[column] == member_id,
                )
            )
        await self._db.execute(
            delete(TEMPLATE_USE).where(
                TEMPLATE_USE.c.draft_id.in_(
                    select(TEMPLATE_DRAFT.c.id).where(
                        TEMPLATE_DRAFT.c.community_id == community_id,
                        TEMPLATE_DRAFT.c.member_id == member_id,
                    )
                )
            )
        )
        await self._db.execute(
            delete(TEMPLATE_DRAFT).where(
                TEMPLATE_DRAFT.c.community_id == community_id,
                TEMPLATE_DRAFT.c.member_id == member_id,
            )
        )
        await self._db.execute(
            update(CARE_EVENT)
            .where(CARE_EVENT.c.community_id == community_id, CARE_EVENT.c.member_id == member_id)
            .values(member_id=None)
        )

    async def empty_posts(self, community_id: str, post_ids: list[int], now: datetime) -> None:
        """The posts' words and poster gone (id and name); closed, nothing more asked."""
        if not post_ids:
            return
        await self._db.execute(
            update(SETBACK)
            .where(SETBACK.c.community_id == community_id, SETBACK.c.id.in_(post_ids))
            .values(
                title="",
                body="",
                poster_id="",
                poster_name="",
                tags=[],
                withdrawn_at=now,
                closed_at=now,
            )
        )
        await _end_posts(self._db, community_id, post_ids, now)
        await _out_of_the_library(
            self._db, FEATURED.c.setback_id.in_(post_ids), SHARE.c.setback_id.in_(post_ids)
        )

    async def drop_undelivered_to(self, community_id: str, member_id: str) -> int:
        """Pending outbound rows addressed to the member (their DMs and notices)."""
        text = cast(OUTBOUND.c.intent, Text)
        quoted = member_id.replace('"', '\\"')
        addressed = or_(
            text.contains(f'"user_id": "{quoted}"'), text.contains(f'"user_id":"{quoted}"')
        )
        done = await self._db.execute(
            delete(OUTBOUND).where(
                OUTBOUND.c.community_id == community_id,
                OUTBOUND.c.delivered_at.is_(None),
                addressed,
            )
        )
        return int(done.rowcount or 0)


class RetentionRepo:
    """Content older than a community keeps it: taken once each (an UPDATE that only
    matches what is not removed yet, so two workers never remove one item twice)."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._db = connection

    async def communities_keeping_less(self, platforms: Iterable[str]) -> list[tuple[str, int]]:
        """(community id, days) of communities on `platforms` with a retention period."""
        rows = await self._db.execute(_SETTINGS_ON, {"b_platforms": list(platforms)})
        found = [(row.id, row.settings.get("retention_days")) for row in rows]
        return [(community, int(days)) for community, days in found if days]

    async def _take_older(
        self, rows: Table, community_id: str, cutoff: datetime, limit: int, **change: Any
    ) -> list[Row]:
        """Rows of `rows` made before `cutoff` and not removed yet, changed; what the edits
        of the bot's copies need of each."""
        alive = _ALIVE[rows.name]
        old = (
            select(rows.c.id)
            .where(rows.c.community_id == community_id, rows.c.created_at < cutoff, alive)
            .order_by(rows.c.id)
            .limit(limit)
        )
        taken = await self._db.execute(
            update(rows)
            .where(rows.c.id.in_(old.scalar_subquery()), alive)
            .values(**change)
            .returning(*(rows.c[name] for name in _TAKEN[rows.name]))
        )
        return _rows(taken)

    async def expire_posts(
        self, community_id: str, cutoff: datetime, limit: int, now: datetime
    ) -> list[Row]:
        """Posts made before `cutoff`, emptied and withdrawn; their refs, for the edits."""
        emptied = {"title": "", "body": "", "tags": [], "withdrawn_at": now, "closed_at": now}
        posts = await self._take_older(SETBACK, community_id, cutoff, limit, **emptied)
        ids = [post["id"] for post in posts]
        await _end_posts(self._db, community_id, ids, now)
        await _out_of_the_library(
            self._db, FEATURED.c.setback_id.in_(ids), SHARE.c.setback_id.in_(ids)
        )
        return posts

    async def expire_replies(self, community_id: str, cutoff: datetime, limit: int) -> list[Row]:
        """Replies written before `cutoff`, their words removed; (id, relayed, ref) each."""
        emptied = {"text": "", "deleted": True, "best_marked_at": None}
        replies = await self._take_older(REPLY, community_id, cutoff, limit, **emptied)
        ids = [reply["id"] for reply in replies]
        await _out_of_the_library(self._db, FEATURED.c.reply_id.in_(ids), SHARE.c.reply_id.in_(ids))
        return replies


_SETTINGS_ON = prepared(
    select(COMMUNITY.c.id, COMMUNITY.c.settings).where(
        COMMUNITY.c.platform.in_(bindparam("b_platforms", expanding=True))
    )
)
_ALIVE = {"setback": SETBACK.c.withdrawn_at.is_(None), "reply": REPLY.c.deleted.is_(False)}
_TAKEN = {
    "setback": ("id", "source", "thread_ref", "status_message_ref"),
    "reply": ("id", "relayed", "message_ref"),
}


async def _end_posts(db: AsyncConnection, community_id: str, ids: list[int], now: datetime) -> None:
    """Removed posts keep no outcome update and have nothing more to ask."""
    if not ids:
        return
    await db.execute(
        delete(OUTCOME).where(OUTCOME.c.community_id == community_id, OUTCOME.c.setback_id.in_(ids))
    )
    await db.execute(
        update(FOLLOW_UP)
        .where(FOLLOW_UP.c.setback_id.in_(ids), FOLLOW_UP.c.done_at.is_(None))
        .values(done_at=now)
    )


async def _out_of_the_library(
    db: AsyncConnection, which: ColumnElement[bool], shares: ColumnElement[bool]
) -> None:
    """Library entries whose words are going (their reply, or the post they answer), with
    every search-index row made from them, and the answers posted into going posts."""
    await drop_entries(db, which)
    await db.execute(delete(SHARE).where(shares))
