"""The library's full-text index, one interface over two engines: SQLite FTS5 (porter
stemmer) on the embedded default, a tsvector column with a GIN index on PostgreSQL. The
table `library_search` is made by migration 0012 for the engine at hand (it is not in
`bot.store.tables`: neither engine's form is a portable table) and written in the
transaction that writes its library entry.

A search is a list of plain words (`bot.words.search_terms.query_words`: letters and
digits only), joined by OR in each engine's own syntax: nothing typed is ever operator."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any, Protocol

from sqlalchemy import (
    Float,
    Insert,
    Integer,
    Text,
    TextClause,
    bindparam,
    column,
    func,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.selectable import TextualSelect

from bot.store.prepared import prepared

TABLE = "library_search"
# How many matches a search ranks: the newest this many. A search matching more (its words
# are in most entries) tells little by its words, and ranking every match would cost as
# much again as finding them.
RANKED_MAX = 500


def is_search_table(name: str) -> bool:
    """The index's tables (FTS5 keeps its own beside it), which schema comparisons skip."""
    return name == TABLE or name.startswith(f"{TABLE}_")


class SearchIndex(Protocol):
    async def put(self, community_id: str, featured_id: int, document: str) -> None: ...

    async def put_written(
        self, entry: Insert, values: Mapping[str, Any], document: str
    ) -> int | None:
        """Run `entry` (an INSERT of a library entry, returning its `id` and
        `community_id`, or no row when it wrote none) and index `document` under the entry
        it wrote: in one statement where the engine allows. The entry's id, or None."""
        ...

    async def drop(self, featured_ids: Sequence[int]) -> None: ...

    def ranked(self, community_id: str, words: Sequence[str], limit: int) -> TextualSelect:
        """The `limit` best matches, as rows (featured_id, rank: higher is better, found:
        how many matches were ranked), for the caller to join to the entries."""
        ...

    async def raw(self, words: Sequence[str]) -> list[int]:
        """The bare match on the same index, unranked and unscoped (the bench's baseline)."""
        ...


# An entry's row, new or replacing the one before (FTS5 drops the old row's words first).
_FTS5_PUT = prepared(
    text(f"INSERT OR REPLACE INTO {TABLE} (rowid, community_id, doc) VALUES (:id, :c, :doc)")
)


def _fts5_query(words: Sequence[str]) -> str:
    return " OR ".join(f'"{word}"' for word in words)


class Fts5Index:
    def __init__(self, db: AsyncConnection) -> None:
        self._db = db

    async def put(self, community_id: str, featured_id: int, document: str) -> None:
        await self._db.execute(_FTS5_PUT, {"id": featured_id, "c": community_id, "doc": document})

    async def put_written(
        self, entry: Insert, values: Mapping[str, Any], document: str
    ) -> int | None:
        written = (await self._db.execute(entry, values)).first()
        if written is None:
            return None
        await self.put(written.community_id, written.id, document)
        return int(written.id)

    async def drop(self, featured_ids: Sequence[int]) -> None:
        if not featured_ids:
            return
        statement = text(f"DELETE FROM {TABLE} WHERE rowid IN :ids").bindparams(
            bindparam("ids", expanding=True)
        )
        await self._db.execute(statement, {"ids": list(featured_ids)})
        # Deleted rows' words linger in FTS5's segments until they merge: merge now, so
        # forgetting a member leaves none of their words in the index.
        await self._db.execute(text(f"INSERT INTO {TABLE} ({TABLE}) VALUES ('optimize')"))

    def ranked(self, community_id: str, words: Sequence[str], limit: int) -> TextualSelect:
        return _columns(
            text(
                "SELECT rowid AS featured_id, -score AS rank, count(*) OVER () AS found FROM ("
                f"SELECT rowid, bm25({TABLE}) AS score FROM {TABLE} "
                f"WHERE {TABLE} MATCH :q AND community_id = :c ORDER BY rowid DESC LIMIT :k"
                ") ORDER BY score, rowid DESC LIMIT :n"
            ).bindparams(q=_fts5_query(words), c=community_id, k=RANKED_MAX, n=limit)
        )

    async def raw(self, words: Sequence[str]) -> list[int]:
        rows = await self._db.execute(
            text(f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH :q"), {"q": _fts5_query(words)}
        )
        return [int(rowid) for rowid in rows.scalars()]


_TSVECTOR_PUT = prepared(
    text(
        f"INSERT INTO {TABLE} (featured_id, community_id, doc) "
        "VALUES (:id, :c, to_tsvector('english', :doc)) "
        "ON CONFLICT (featured_id) DO UPDATE SET doc = excluded.doc"
    )
)


_TSVECTOR = table(TABLE, column("featured_id"), column("community_id"), column("doc"))


@cache
def _tsvector_put_written(entry: Insert) -> Insert:
    """`entry` in a CTE, and the index row of what it wrote (its document bound as
    `doc`): one round trip instead of two."""
    from sqlalchemy.dialects.postgresql import insert  # noqa: PLC0415  (SQLite never loads it)

    written = entry.cte("written")
    document = func.to_tsvector(literal_column("'english'"), bindparam("doc", type_=Text))
    statement = insert(_TSVECTOR).from_select(
        ["featured_id", "community_id", "doc"],
        select(written.c.id, written.c.community_id, document),
    )
    upsert = statement.on_conflict_do_update(
        index_elements=["featured_id"], set_={"doc": statement.excluded.doc}
    )
    return prepared(upsert.returning(_TSVECTOR.c.featured_id))


def _tsquery(words: Sequence[str]) -> str:
    return " | ".join(words)


class TsvectorIndex:
    def __init__(self, db: AsyncConnection) -> None:
        self._db = db

    async def put(self, community_id: str, featured_id: int, document: str) -> None:
        params = {"id": featured_id, "c": community_id, "doc": document}
        await self._db.execute(_TSVECTOR_PUT, params)

    async def put_written(
        self, entry: Insert, values: Mapping[str, Any], document: str
    ) -> int | None:
        params = {**values, "doc": document}
        found = (await self._db.execute(_tsvector_put_written(entry), params)).scalar()
        return None if found is None else int(found)

    async def drop(self, featured_ids: Sequence[int]) -> None:
        if not featured_ids:
            return
        statement = text(f"DELETE FROM {TABLE} WHERE featured_id IN :ids").bindparams(
            bindparam("ids", expanding=True)
        )
        await self._db.execute(statement, {"ids": list(featured_ids)})

    def ranked(self, community_id: str, words: Sequence[str], limit: int) -> TextualSelect:
        return _columns(
            text(
                "SELECT featured_id, ts_rank(doc, q) AS rank, count(*) OVER () AS found FROM ("
                f"SELECT featured_id, doc, q FROM {TABLE}, to_tsquery('english', :q) AS q "
                "WHERE community_id = :c AND doc @@ q ORDER BY featured_id DESC LIMIT :k"
                ") AS newest ORDER BY rank DESC, featured_id DESC LIMIT :n"
            ).bindparams(q=_tsquery(words), c=community_id, k=RANKED_MAX, n=limit)
        )

    async def raw(self, words: Sequence[str]) -> list[int]:
        rows = await self._db.execute(
            text(f"SELECT featured_id FROM {TABLE} WHERE doc @@ to_tsquery('english', :q)"),
            {"q": _tsquery(words)},
        )
        return [int(featured_id) for featured_id in rows.scalars()]


def _columns(clause: TextClause) -> TextualSelect:
    return clause.columns(featured_id=Integer, rank=Float, found=Integer)


def search_index(db: AsyncConnection) -> SearchIndex:
    return TsvectorIndex(db) if db.dialect.name == "postgresql" else Fts5Index(db)
