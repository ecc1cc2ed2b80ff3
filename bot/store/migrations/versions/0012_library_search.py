"""the library on each engine's full-text search (SQLite FTS5 with the porter stemmer,
PostgreSQL tsvector with a GIN index) instead of its own term table; it holds best answers
as well as featured ones; answers members posted into their own thread

Revision ID: 0012
Revises: 0011

Entries already featured are indexed again from their words, and best answers already
marked join the library. Downgrading brings back an empty `library_term` (the old index):
answers featured before are found again once edited.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

import bot.store.types
from bot.words.excerpt import excerpt

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# What a best answer shows (bot/common/library_entries.py keeps the same).
_SUMMARY_MAX = 150


def upgrade() -> None:
    # A plain ADD COLUMN on both engines (a batch copy of the table on SQLite would trip
    # over the foreign keys pointing at it).
    op.add_column(
        "featured_answer",
        sa.Column("featured", sa.Boolean(), server_default=sa.true(), nullable=False),
    )
    op.create_table(
        "library_share",
        sa.Column("setback_id", sa.Integer(), nullable=False),
        sa.Column("reply_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.String(length=100), nullable=False),
        sa.Column("shared_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("setback_id", "reply_id"),
    )
    with op.batch_alter_table("library_share", schema=None) as batch_op:
        batch_op.create_index("ix_library_share_reply", ["reply_id"], unique=False)
    _create_search()
    _best_answers_in()
    _index_every_entry()
    op.drop_index("ix_library_term_featured", table_name="library_term")
    op.drop_table("library_term")


def _postgres() -> bool:
    return bool(op.get_bind().dialect.name == "postgresql")


def _create_search() -> None:
    if _postgres():
        op.execute(
            "CREATE TABLE library_search (featured_id INTEGER PRIMARY KEY, "
            "community_id VARCHAR(100) NOT NULL, doc TSVECTOR NOT NULL)"
        )
        op.execute("CREATE INDEX ix_library_search_doc ON library_search USING GIN (doc)")
        return
    op.execute(
        "CREATE VIRTUAL TABLE library_search USING fts5("
        "community_id UNINDEXED, doc, tokenize = 'porter unicode61')"
    )


def _best_answers_in() -> None:
    db = op.get_bind()
    rows = db.execute(
        sa.text(
            "SELECT r.id, r.community_id, r.setback_id, r.text, r.best_marked_by, "
            "r.best_marked_at FROM reply r "
            "WHERE r.best_marked_at IS NOT NULL AND NOT r.deleted "
            "AND NOT EXISTS (SELECT 1 FROM featured_answer f WHERE f.reply_id = r.id)"
        )
    ).all()
    for reply_id, community, post_id, text, by, at in rows:
        db.execute(
            sa.text(
                "INSERT INTO featured_answer (community_id, reply_id, setback_id, topic, "
                "summary, featured_by, featured_at, updated_at, featured) VALUES (:c, :r, :s, "
                "'', :summary, :by, :at, :at, :no)"
            ),
            {
                "c": community,
                "r": reply_id,
                "s": post_id,
                "summary": excerpt(text, _SUMMARY_MAX),
                "by": by or "",
                "at": at,
                "no": False,
            },
        )


def _index_every_entry() -> None:
    db = op.get_bind()
    rows = db.execute(
        sa.text(
            "SELECT f.id, f.community_id, f.summary, f.topic, s.title, s.body, s.tags, r.text "
            "FROM featured_answer f JOIN setback s ON s.id = f.setback_id "
            "JOIN reply r ON r.id = f.reply_id"
        )
    ).all()
    insert = (
        "INSERT INTO library_search (featured_id, community_id, doc) "
        "VALUES (:id, :c, to_tsvector('english', :doc))"
        if _postgres()
        else "INSERT INTO library_search (rowid, community_id, doc) VALUES (:id, :c, :doc)"
    )
    for entry, community, summary, topic, title, body, tags, text in rows:
        document = " ".join((summary, topic, title, body, text, *_tags(tags)))
        db.execute(sa.text(insert), {"id": entry, "c": community, "doc": document})


def _tags(stored: object) -> list[str]:
    if isinstance(stored, str):
        stored = json.loads(stored)
    return [str(tag) for tag in stored] if isinstance(stored, list) else []


def downgrade() -> None:
    op.create_table(
        "library_term",
        sa.Column("community_id", sa.String(length=100), nullable=False),
        sa.Column("term", sa.String(length=40), nullable=False),
        sa.Column("featured_id", sa.Integer(), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["featured_id"], ["featured_answer.id"]),
        sa.PrimaryKeyConstraint("community_id", "term", "featured_id"),
    )
    with op.batch_alter_table("library_term", schema=None) as batch_op:
        batch_op.create_index("ix_library_term_featured", ["featured_id"], unique=False)
    op.execute("DROP TABLE library_search")
    op.execute("DELETE FROM featured_answer WHERE NOT featured")
    with op.batch_alter_table("library_share", schema=None) as batch_op:
        batch_op.drop_index("ix_library_share_reply")
    op.drop_table("library_share")
    op.drop_column("featured_answer", "featured")
