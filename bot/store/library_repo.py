"""The library's rows: featured answers and their search index, hidden replies, locked
posts, community topics and members' suggestion settings. Callers take the post first
(`Repo.post` / `reply_with_post`), so two moderators acting at once go one after the
other and the second sees what the first committed."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    RowMapping,
    Table,
    and_,
    case,
    delete,
    exists,
    func,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.digest_repo import DigestRepo
from bot.store.statements import OUTCOME, REPLY, SETBACK, table
from bot.store.tables import (
    FeaturedAnswerRow,
    HiddenReplyRow,
    LibraryPreferenceRow,
    LibraryTermRow,
    LibraryTopicRow,
    PostLockRow,
)

FEATURED = table(FeaturedAnswerRow)
TERM = table(LibraryTermRow)
HIDDEN = table(HiddenReplyRow)
LOCK = table(PostLockRow)
TOPIC = table(LibraryTopicRow)
PREFERENCE = table(LibraryPreferenceRow)
# BM25's term-frequency saturation: a word said five times is not five times as relevant.
_K1 = 1.2
CANDIDATES = 50
# From this many answers on, words found in more than half of them are left out of a query.
COMMON_AFTER = 100


@dataclass(frozen=True, kw_only=True)
class Featured:
    id: int
    reply_id: int
    setback_id: int
    topic: str
    summary: str
    featured_by: str


@dataclass(frozen=True, kw_only=True)
class Hit:
    featured: Featured
    score: float


@dataclass(frozen=True, kw_only=True)
class Card:
    """What a library hit shows besides its summary: the post (its author as everyone sees
    them), the reply's message, and the post's outcome if the poster shared one."""

    title: str
    shown_author: str
    message_ref: str | None
    outcome: str | None
    acted_on: bool


def _featured(row: RowMapping) -> Featured:
    return Featured(
        id=row["id"],
        reply_id=row["reply_id"],
        setback_id=row["setback_id"],
        topic=row["topic"],
        summary=row["summary"],
        featured_by=row["featured_by"],
    )


def _visible() -> list[ColumnElement[bool]]:
    """A featured answer shows while its reply stands, is not hidden, and its post stands."""
    return [
        REPLY.c.id == FEATURED.c.reply_id,
        REPLY.c.deleted.is_(False),
        SETBACK.c.id == FEATURED.c.setback_id,
        SETBACK.c.withdrawn_at.is_(None),
        ~exists(select(HIDDEN.c.reply_id).where(HIDDEN.c.reply_id == FEATURED.c.reply_id)),
    ]


class LibraryRepo:
    def __init__(self, connection: AsyncConnection, insert: Any) -> None:
        self._db = connection
        self._insert = insert
        self.digest = DigestRepo(connection, insert)

    # --- featured answers -----------------------------------------------------------------

    async def featured(self, community_id: str, reply_id: int) -> Featured | None:
        row = await self._db.execute(
            select(FEATURED).where(
                FEATURED.c.community_id == community_id, FEATURED.c.reply_id == reply_id
            )
        )
        found = row.mappings().first()
        return None if found is None else _featured(found)

    async def visible_featured(self, community_id: str, ids: Sequence[int]) -> list[Featured]:
        """The featured answers among `ids` that still show (see `_visible`), by id."""
        rows = await self._db.execute(
            select(FEATURED)
            .where(FEATURED.c.community_id == community_id, FEATURED.c.id.in_(ids), *_visible())
            .order_by(FEATURED.c.id)
        )
        return [_featured(row) for row in rows.mappings()]

    async def feature(
        self,
        community_id: str,
        *,
        reply_id: int,
        setback_id: int,
        topic: str,
        summary: str,
        by: str,
        terms: Mapping[str, int],
        now: datetime,
    ) -> bool:
        """Feature a reply, or change its topic and summary. True when newly featured.
        Its search `terms` (term -> count) are rewritten in the same transaction."""
        known = await self.featured(community_id, reply_id)
        if known is None:
            inserted = await self._db.execute(
                FEATURED.insert()
                .values(
                    community_id=community_id,
                    reply_id=reply_id,
                    setback_id=setback_id,
                    topic=topic,
                    summary=summary,
                    featured_by=by,
                    featured_at=now,
                    updated_at=now,
                )
                .returning(FEATURED.c.id)
            )
            featured_id = int(inserted.scalar_one())
        else:
            featured_id = known.id
            await self._db.execute(
                update(FEATURED)
                .where(FEATURED.c.id == featured_id)
                .values(topic=topic, summary=summary, updated_at=now)
            )
        await self._index(community_id, featured_id, terms)
        return known is None

    async def unfeature(self, community_id: str, reply_id: int) -> bool:
        known = await self.featured(community_id, reply_id)
        if known is None:
            return False
        await self._db.execute(delete(TERM).where(TERM.c.featured_id == known.id))
        await self._db.execute(delete(FEATURED).where(FEATURED.c.id == known.id))
        return True

    async def _index(self, community_id: str, featured_id: int, counts: Mapping[str, int]) -> None:
        await self._db.execute(delete(TERM).where(TERM.c.featured_id == featured_id))
        if counts:
            rows = [
                {"community_id": community_id, "term": t, "featured_id": featured_id, "weight": w}
                for t, w in counts.items()
            ]
            await self._db.execute(TERM.insert(), rows)

    # --- search ---------------------------------------------------------------------------

    async def search(
        self,
        community_id: str,
        query_terms: Sequence[str],
        *,
        topic: str | None = None,
        exclude_setback: int | None = None,
        limit: int = CANDIDATES,
    ) -> list[Hit]:
        """Visible featured answers matching any of `query_terms`, best first (BM25 without
        length normalisation: rare words count more, repeats saturate); newest first on
        ties. Without terms, every visible answer (of `topic`, if given), newest first."""
        conditions = [FEATURED.c.community_id == community_id, *_visible()]
        if topic is not None:
            conditions.append(FEATURED.c.topic == topic)
        if exclude_setback is not None:
            conditions.append(FEATURED.c.setback_id != exclude_setback)
        if not query_terms:
            rows = await self._db.execute(
                select(FEATURED).where(*conditions).order_by(FEATURED.c.id.desc()).limit(limit)
            )
            return [Hit(featured=_featured(r), score=0.0) for r in rows.mappings()]
        idf = await self._idf(community_id, query_terms)
        if not idf:
            return []
        per_term = case(*((TERM.c.term == term, weight) for term, weight in idf.items()), else_=0.0)
        saturated = TERM.c.weight * (_K1 + 1) / (TERM.c.weight + _K1)
        score = func.sum(per_term * saturated).label("score")
        matched = (
            select(TERM.c.featured_id, score)
            .where(TERM.c.community_id == community_id, TERM.c.term.in_(list(idf)))
            .group_by(TERM.c.featured_id)
            .subquery()
        )
        statement = (
            select(FEATURED, matched.c.score)
            .join(matched, matched.c.featured_id == FEATURED.c.id)
            .where(*conditions)
            .order_by(matched.c.score.desc(), FEATURED.c.id.desc())
            .limit(limit)
        )
        rows = await self._db.execute(statement)
        return [Hit(featured=_featured(r), score=float(r["score"])) for r in rows.mappings()]

    async def _idf(self, community_id: str, query_terms: Sequence[str]) -> dict[str, float]:
        total = (
            await self._db.execute(
                select(func.count()).where(FEATURED.c.community_id == community_id)
            )
        ).scalar_one()
        rows = await self._db.execute(
            select(TERM.c.term, func.count())
            .where(TERM.c.community_id == community_id, TERM.c.term.in_(list(query_terms)))
            .group_by(TERM.c.term)
        )
        counts = Counter({term: int(n) for term, n in rows.all()})
        # In a library of some size, words in more than half the answers barely tell them
        # apart (their weight is below ln 2) but would make the look-up walk most of the
        # index: the rarest is kept only when nothing rarer was asked for.
        common = total >= COMMON_AFTER
        telling = {term: n for term, n in counts.items() if not (common and n * 2 > total)}
        if not telling and counts:
            rarest = min(sorted(counts), key=counts.__getitem__)
            telling = {rarest: counts[rarest]}
        return {
            term: math.log(1 + (total - n + 0.5) / (n + 0.5)) for term, n in sorted(telling.items())
        }

    # --- hidden replies and locked posts: a row while it lasts ----------------------------

    async def _present(self, key: ColumnElement[Any], value: int) -> bool:
        return (await self._db.execute(select(key).where(key == value))).first() is not None

    async def _add(self, table: Table, values: dict[str, Any]) -> bool:
        """Insert the row unless it is there already; True when this call added it."""
        statement = self._insert(table).values(**values).on_conflict_do_nothing()
        return bool((await self._db.execute(statement)).rowcount)

    async def _remove(self, key: ColumnElement[Any], value: int) -> bool:
        table = key.table
        return bool((await self._db.execute(delete(table).where(key == value))).rowcount)

    async def hidden(self, reply_id: int) -> bool:
        return await self._present(HIDDEN.c.reply_id, reply_id)

    async def hide(
        self, community_id: str, reply_id: int, reason: str, by: str, now: datetime
    ) -> bool:
        values = {"community_id": community_id, "reason": reason, "hidden_by": by}
        return await self._add(HIDDEN, {**values, "reply_id": reply_id, "hidden_at": now})

    async def unhide(self, reply_id: int) -> bool:
        return await self._remove(HIDDEN.c.reply_id, reply_id)

    async def hidden_among(self, reply_ids: Sequence[int]) -> set[int]:
        if not reply_ids:
            return set()
        rows = await self._db.execute(
            select(HIDDEN.c.reply_id).where(HIDDEN.c.reply_id.in_(list(reply_ids)))
        )
        return set(rows.scalars())

    async def lock(
        self, community_id: str, setback_id: int, reason: str, by: str, now: datetime
    ) -> bool:
        values = {"community_id": community_id, "reason": reason, "locked_by": by}
        return await self._add(LOCK, {**values, "setback_id": setback_id, "locked_at": now})

    async def unlock(self, setback_id: int) -> bool:
        return await self._remove(LOCK.c.setback_id, setback_id)

    # --- topics and settings --------------------------------------------------------------

    async def topics(self, community_id: str) -> list[str]:
        rows = await self._db.execute(
            select(TOPIC.c.name).where(TOPIC.c.community_id == community_id).order_by(TOPIC.c.name)
        )
        return list(rows.scalars())

    async def add_topic(self, community_id: str, name: str, by: str, now: datetime) -> bool:
        values = {"community_id": community_id, "name": name, "added_by": by, "added_at": now}
        return await self._add(TOPIC, values)

    async def suggestions_off(self, community_id: str, member_id: str) -> bool:
        found = await self._db.execute(
            select(PREFERENCE.c.suggestions_off).where(
                and_(PREFERENCE.c.community_id == community_id, PREFERENCE.c.member_id == member_id)
            )
        )
        return bool(found.scalar())

    async def set_suggestions_off(self, community_id: str, member_id: str, off: bool) -> None:
        statement = self._insert(PREFERENCE).values(
            community_id=community_id, member_id=member_id, suggestions_off=off
        )
        statement = statement.on_conflict_do_update(
            index_elements=[PREFERENCE.c.community_id, PREFERENCE.c.member_id],
            set_={"suggestions_off": off},
        )
        await self._db.execute(statement)

    # --- plain reads (nothing taken) ------------------------------------------------------

    async def titles(self, community_id: str, setback_ids: Sequence[int]) -> dict[int, str]:
        """Post titles by id, for listings (a withdrawn post's title is empty)."""
        if not setback_ids:
            return {}
        rows = await self._db.execute(
            select(SETBACK.c.id, SETBACK.c.title).where(
                SETBACK.c.community_id == community_id, SETBACK.c.id.in_(list(setback_ids))
            )
        )
        return {int(post_id): title for post_id, title in rows.all()}

    async def cards(self, community_id: str, featured: Sequence[Featured]) -> dict[int, Card]:
        """Cards of several featured answers in one query, by featured id."""
        if not featured:
            return {}
        rows = await self._db.execute(
            select(
                FEATURED.c.id,
                FEATURED.c.reply_id,
                SETBACK.c.title,
                SETBACK.c.anonymous,
                SETBACK.c.pseudonym,
                SETBACK.c.poster_name,
                REPLY.c.message_ref,
                OUTCOME.c.result,
                OUTCOME.c.acted_on,
            )
            .join(SETBACK, SETBACK.c.id == FEATURED.c.setback_id)
            .join(REPLY, REPLY.c.id == FEATURED.c.reply_id)
            .outerjoin(OUTCOME, OUTCOME.c.setback_id == FEATURED.c.setback_id)
            .where(
                FEATURED.c.community_id == community_id,
                FEATURED.c.id.in_([f.id for f in featured]),
            )
        )
        return {
            int(row["id"]): Card(
                title=row["title"],
                shown_author=row["pseudonym"] if row["anonymous"] else row["poster_name"],
                message_ref=row["message_ref"],
                outcome=row["result"],
                acted_on=row["reply_id"] in (row["acted_on"] or []),
            )
            for row in rows.mappings()
        }

    async def raw_match(self, community_id: str, query_terms: Sequence[str]) -> list[int]:
        """The bare index look-up, unranked and unfiltered: the benchmark's baseline."""
        rows = await self._db.execute(
            select(TERM.c.featured_id).where(
                TERM.c.community_id == community_id, TERM.c.term.in_(list(query_terms))
            )
        )
        return list(rows.scalars())
