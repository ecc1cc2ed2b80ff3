"""The library's rows: featured answers and their search index, hidden replies, locked
posts, community topics and members' suggestion settings. Callers take the post first
(`Repo.post` / `reply_with_post`), so two moderators acting at once go one after the
other and the second sees what the first committed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Insert,
    RowMapping,
    Table,
    and_,
    bindparam,
    delete,
    exists,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.model import OutcomeResult, Reply
from bot.store.digest_repo import DigestRepo
from bot.store.library_search import search_index
from bot.store.prepared import prepared
from bot.store.records import APPRECIATIONS, reply_of
from bot.store.statements import OUTCOME, REPLY, SETBACK, insert_for
from bot.store.tables import (
    FeaturedAnswerRow,
    HiddenReplyRow,
    LibraryPreferenceRow,
    LibraryShareRow,
    LibraryTopicRow,
    PostLockRow,
)

FEATURED = FeaturedAnswerRow
HIDDEN = HiddenReplyRow
LOCK = PostLockRow
TOPIC = LibraryTopicRow
PREFERENCE = LibraryPreferenceRow
SHARE = LibraryShareRow
CANDIDATES = 50


@dataclass(frozen=True, kw_only=True)
class Featured:
    id: int
    reply_id: int
    setback_id: int
    topic: str
    summary: str
    featured_by: str
    # False for a best answer its poster marked that no moderator featured.
    by_moderator: bool = True


@dataclass(frozen=True, kw_only=True)
class Hit:
    featured: Featured
    score: float


Uptake = tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Card:
    """What a library hit shows besides its summary: the post (its author as everyone sees
    them), the reply's message, and the post's outcome if the poster shared one."""

    title: str
    shown_author: str
    message_ref: str | None
    outcome: str | None
    acted_on: bool
    # One result per poster who acted on the answer, in any thread (see `_uptake`).
    uptake: Uptake = ()


def _featured(row: RowMapping) -> Featured:
    return Featured(
        id=row["id"],
        reply_id=row["reply_id"],
        setback_id=row["setback_id"],
        topic=row["topic"],
        summary=row["summary"],
        featured_by=row["featured_by"],
        by_moderator=bool(row["featured"]),
    )


def _visible() -> list[ColumnElement[bool]]:
    """A library entry shows while its reply stands (featured, or still marked best), is
    not hidden, and its post stands."""
    return [
        REPLY.c.id == FEATURED.c.reply_id,
        REPLY.c.deleted.is_(False),
        or_(FEATURED.c.featured.is_(True), REPLY.c.best_marked_at.is_not(None)),
        SETBACK.c.id == FEATURED.c.setback_id,
        SETBACK.c.withdrawn_at.is_(None),
        ~exists(select(HIDDEN.c.reply_id).where(HIDDEN.c.reply_id == FEATURED.c.reply_id)),
    ]


_BEST_COLUMNS = (
    "community_id",
    "reply_id",
    "setback_id",
    "topic",
    "summary",
    "featured_by",
    "featured_at",
    "updated_at",
    "featured",
)


@cache
def _add_best_statement(dialect: str) -> Insert:
    """A best answer's entry in one statement: inserted, or rewritten if it is a best
    answer's already (unmarked once, now marked again); a featured answer's stays as its
    moderator wrote it, and then no row is returned."""
    insert = insert_for(dialect)(FEATURED)
    insert = insert.values({name: bindparam(name) for name in _BEST_COLUMNS})
    rewritten = ("topic", "summary", "updated_at", "featured")
    upsert = insert.on_conflict_do_update(
        index_elements=[FEATURED.c.community_id, FEATURED.c.reply_id],
        set_={name: insert.excluded[name] for name in rewritten},
        where=FEATURED.c.featured.is_(False),
    )
    return prepared(upsert.returning(FEATURED.c.id, FEATURED.c.community_id))


@dataclass(frozen=True)
class StatusRows:
    """What a post's status card shows besides the post: its best answers that show
    (oldest first) and whether its poster shared an update."""

    best: list[Reply]
    has_outcome: bool


# One statement for the whole card: the post's row anchors it (so an update is known even
# without a best answer), its best answers joined, hidden ones left out.
_HAS_OUTCOME = exists(select(OUTCOME.c.setback_id).where(OUTCOME.c.setback_id == SETBACK.c.id))
_STATUS_ROWS = prepared(
    select(_HAS_OUTCOME.label("has_outcome"), REPLY, APPRECIATIONS)
    .select_from(
        SETBACK.outerjoin(
            REPLY,
            and_(
                REPLY.c.setback_id == SETBACK.c.id,
                REPLY.c.best_marked_at.is_not(None),
                ~exists(select(HIDDEN.c.reply_id).where(HIDDEN.c.reply_id == REPLY.c.id)),
            ),
        )
    )
    .where(SETBACK.c.community_id == bindparam("b_community"), SETBACK.c.id == bindparam("b_id"))
    .order_by(REPLY.c.created_at, REPLY.c.id)
)


_ENTRY = prepared(
    select(FEATURED).where(
        FEATURED.c.community_id == bindparam("b_community"),
        FEATURED.c.reply_id == bindparam("b_reply"),
    )
)
_HIDDEN_AMONG = prepared(
    select(HIDDEN.c.reply_id).where(HIDDEN.c.reply_id.in_(bindparam("b_ids", expanding=True)))
)


class LibraryRepo:
    def __init__(self, connection: AsyncConnection, insert: Any) -> None:
        self._db = connection
        self._insert = insert
        self._add_best = _add_best_statement(connection.dialect.name)
        self.digest = DigestRepo(connection, insert)
        self._search = search_index(connection)

    # --- featured answers -----------------------------------------------------------------

    async def featured(self, community_id: str, reply_id: int) -> Featured | None:
        """The reply's library entry if a moderator featured it."""
        known = await self._entry(community_id, reply_id)
        return known if known is not None and known.by_moderator else None

    async def _entry(self, community_id: str, reply_id: int) -> Featured | None:
        params = {"b_community": community_id, "b_reply": reply_id}
        found = (await self._db.execute(_ENTRY, params)).mappings().first()
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
        document: str,
        now: datetime,
    ) -> bool:
        """Feature a reply, or change its topic and summary. True when newly featured (a
        best answer already in the library becomes featured now). Its `document` is
        indexed again in the same transaction."""
        known = await self._entry(community_id, reply_id)
        values = {"topic": topic, "summary": summary, "updated_at": now, "featured": True}
        if known is not None and not known.by_moderator:
            values |= {"featured_by": by, "featured_at": now}
        await self._put(
            community_id,
            known,
            reply_id=reply_id,
            setback_id=setback_id,
            by=by,
            now=now,
            values=values,
            document=document,
        )
        return known is None or not known.by_moderator

    async def add_best(
        self,
        community_id: str,
        *,
        reply_id: int,
        setback_id: int,
        summary: str,
        by: str,
        document: str,
        now: datetime,
    ) -> None:
        """A best answer joins the library (a featured one is in it already). It leaves by
        being unmarked: the entry stays, out of sight (`_visible`), ready for a new mark."""
        values = {
            "community_id": community_id,
            "reply_id": reply_id,
            "setback_id": setback_id,
            "topic": "",
            "summary": summary,
            "featured_by": by,
            "featured_at": now,
            "updated_at": now,
            "featured": False,
        }
        await self._search.put_written(self._add_best, values, document)

    async def _put(
        self,
        community_id: str,
        known: Featured | None,
        *,
        reply_id: int,
        setback_id: int,
        by: str,
        now: datetime,
        values: dict[str, Any],
        document: str,
    ) -> None:
        """Write the entry (new or `known`) and index its `document`, in this transaction."""
        if known is not None:
            await self._db.execute(update(FEATURED).where(FEATURED.c.id == known.id).values(values))
            await self._search.put(community_id, known.id, document)
            return
        inserted = await self._db.execute(
            FEATURED.insert()
            .values(
                community_id=community_id,
                reply_id=reply_id,
                setback_id=setback_id,
                featured_by=by,
                featured_at=now,
                **values,
            )
            .returning(FEATURED.c.id)
        )
        await self._search.put(community_id, int(inserted.scalar_one()), document)

    async def unfeature(self, community_id: str, reply_id: int, *, keep_as_best: bool) -> bool:
        """Take a featured answer out; with `keep_as_best` (its reply is still marked best)
        the entry stays, for `add_best` to write as a best answer. False when it was not
        featured."""
        known = await self.featured(community_id, reply_id)
        if known is None:
            return False
        if keep_as_best:
            await self._db.execute(
                update(FEATURED).where(FEATURED.c.id == known.id).values(featured=False)
            )
            return True
        await drop_entries(self._db, FEATURED.c.id == known.id)
        return True

    # --- search ---------------------------------------------------------------------------

    async def search(
        self,
        community_id: str,
        query_words: Sequence[str],
        *,
        topic: str | None = None,
        exclude_setback: int | None = None,
        limit: int = CANDIDATES,
    ) -> list[Hit]:
        """Visible library entries matching any of `query_words`, best first by the
        engine's relevance (FTS5's BM25, PostgreSQL's ts_rank); featured, then newest first
        on ties. Without words, every visible entry (of `topic`, if given), newest first."""
        conditions = [FEATURED.c.community_id == community_id, *_visible()]
        if topic is not None:
            conditions.append(FEATURED.c.topic == topic)
        if exclude_setback is not None:
            conditions.append(FEATURED.c.setback_id != exclude_setback)
        if not query_words:
            rows = await self._db.execute(
                select(FEATURED).where(*conditions).order_by(FEATURED.c.id.desc()).limit(limit)
            )
            return [Hit(featured=_featured(r), score=0.0) for r in rows.mappings()]
        # Ranked on the index alone, then only the best few are joined to their rows: the
        # visibility joins cost per candidate, not per match. Hidden or withdrawn answers
        # are rare; when they leave fewer than `limit` visible, a wider pass follows.
        reach = limit * 2
        while True:
            ranked = self._search.ranked(community_id, query_words, reach).subquery("ranked")
            rows = await self._db.execute(
                select(FEATURED, ranked.c.rank, ranked.c.found)
                .join(ranked, ranked.c.featured_id == FEATURED.c.id)
                .where(*conditions)
            )
            found = rows.mappings().all()
            hits = [Hit(featured=_featured(r), score=float(r["rank"])) for r in found]
            if len(hits) >= limit or not found or found[0]["found"] <= reach:
                break
            reach *= 8
        # Featured by a moderator above a best answer alone, at equal relevance.
        hits.sort(key=lambda hit: (-hit.score, not hit.featured.by_moderator, -hit.featured.id))
        return hits[:limit]

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

    async def status_rows(self, community_id: str, setback_id: int) -> StatusRows:
        """What the post's status card shows, in one statement (see `StatusRows`)."""
        params = {"b_community": community_id, "b_id": setback_id}
        rows = (await self._db.execute(_STATUS_ROWS, params)).mappings().all()
        best = [reply_of(row) for row in rows if row["id"] is not None]
        return StatusRows(best=best, has_outcome=bool(rows and rows[0]["has_outcome"]))

    async def hidden_among(self, reply_ids: Sequence[int]) -> set[int]:
        if not reply_ids:
            return set()
        rows = await self._db.execute(_HIDDEN_AMONG, {"b_ids": list(reply_ids)})
        return set(rows.scalars())

    async def lock(
        self, community_id: str, setback_id: int, reason: str, by: str, now: datetime
    ) -> bool:
        values = {"community_id": community_id, "reason": reason, "locked_by": by}
        return await self._add(LOCK, {**values, "setback_id": setback_id, "locked_at": now})

    async def unlock(self, setback_id: int) -> bool:
        return await self._remove(LOCK.c.setback_id, setback_id)

    # --- answers members posted into their own threads -----------------------------------

    async def share(self, community_id: str, setback_id: int, reply_id: int, now: datetime) -> bool:
        """Record that the answer was posted into the post's thread; False if it was already."""
        values = {"community_id": community_id, "setback_id": setback_id, "reply_id": reply_id}
        return await self._add(SHARE, {**values, "shared_at": now})

    async def shared_into(self, setback_id: int) -> list[int]:
        """The replies (library answers) posted into the post's thread, first shared first."""
        rows = await self._db.execute(
            select(SHARE.c.reply_id)
            .where(SHARE.c.setback_id == setback_id)
            .order_by(SHARE.c.shared_at, SHARE.c.reply_id)
        )
        return list(rows.scalars())

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
        """Cards of several library entries, by entry id: two queries whatever their number."""
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
        found = rows.mappings().all()
        uptake = await self._uptake(community_id, [int(row["reply_id"]) for row in found])
        return {
            int(row["id"]): Card(
                title=row["title"],
                shown_author=row["pseudonym"] if row["anonymous"] else row["poster_name"],
                message_ref=row["message_ref"],
                outcome=row["result"],
                acted_on=row["reply_id"] in (row["acted_on"] or []),
                uptake=uptake.get(int(row["reply_id"]), ()),
            )
            for row in found
        }

    async def _uptake(self, community_id: str, reply_ids: Sequence[int]) -> dict[int, Uptake]:
        """Per reply: what each poster who acted on it reported, one result per poster
        ("still_waiting" until they share an outcome). A poster acted on an answer when
        they marked it best in their own thread, or named it in their outcome: in their
        own thread, or in another after posting it there from the library (`share`)."""
        if not reply_ids:
            return {}
        shared = select(SHARE.c.setback_id).where(SHARE.c.reply_id.in_(reply_ids))
        answered = select(REPLY.c.setback_id).where(REPLY.c.id.in_(reply_ids))
        rows = await self._db.execute(
            select(
                SETBACK.c.id,
                SETBACK.c.poster_id,
                OUTCOME.c.result,
                OUTCOME.c.acted_on,
                REPLY.c.id.label("best"),
            )
            .outerjoin(OUTCOME, OUTCOME.c.setback_id == SETBACK.c.id)
            .outerjoin(
                REPLY,
                and_(
                    REPLY.c.setback_id == SETBACK.c.id,
                    REPLY.c.id.in_(reply_ids),
                    REPLY.c.best_marked_at.is_not(None),
                    REPLY.c.deleted.is_(False),
                ),
            )
            .where(
                SETBACK.c.community_id == community_id,
                SETBACK.c.withdrawn_at.is_(None),
                SETBACK.c.id.in_(shared.union(answered)),
            )
            .order_by(SETBACK.c.id)
        )
        wanted = set(reply_ids)
        acted: dict[int, dict[str, str]] = {}
        for row in rows.mappings():
            named = set(row["acted_on"] or []) & wanted
            marked = {row["best"]} if row["best"] is not None else set()
            for reply_id in named | marked:
                result = row["result"] or OutcomeResult.STILL_WAITING.value
                acted.setdefault(reply_id, {})[row["poster_id"]] = result  # latest post wins
        return {reply_id: tuple(by.values()) for reply_id, by in acted.items()}

    async def raw_match(self, query_words: Sequence[str]) -> list[int]:
        """The bare index match, unranked and unfiltered: the benchmark's baseline."""
        return await self._search.raw(query_words)


async def drop_entries(db: AsyncConnection, which: ColumnElement[bool]) -> None:
    """Library entries matching `which` leave, with their rows in the search index."""
    ids = list((await db.execute(select(FEATURED.c.id).where(which))).scalars())
    if not ids:
        return
    await search_index(db).drop(ids)
    await db.execute(delete(FEATURED).where(FEATURED.c.id.in_(ids)))
