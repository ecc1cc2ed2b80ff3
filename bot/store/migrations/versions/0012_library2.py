"""the library holds best answers as well as featured ones; a search reads its words'
entry counts instead of counting the index; answers members posted into their own thread

Revision ID: 0012_library2
Revises: 0011

Best answers already marked are put in the library here (their words indexed as the
running code indexes them), and the counts are taken from the index as it stands.
"""

from __future__ import annotations

import json
from collections import Counter

import sqlalchemy as sa
from alembic import op

import bot.store.types
from bot.words.excerpt import excerpt
from bot.words.search_terms import weighted

revision = "0012_library2"
down_revision = "0011"
branch_labels = None
depends_on = None

# The summary a best answer shows (bot/features/library/entries.py keeps the same).
_SUMMARY_MAX = 150


def upgrade() -> None:
    with op.batch_alter_table("featured_answer", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("featured", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    op.create_table(
        "library_term_count",
        sa.Column("community_id", sa.String(length=100), nullable=False),
        sa.Column("term", sa.String(length=40), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("community_id", "term"),
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
    _best_answers_in()
    op.execute(
        "INSERT INTO library_term_count (community_id, term, entries) "
        "SELECT community_id, term, count(*) FROM library_term GROUP BY community_id, term"
    )
    op.execute(
        "INSERT INTO library_term_count (community_id, term, entries) "
        "SELECT community_id, '', count(*) FROM featured_answer GROUP BY community_id"
    )


def _best_answers_in() -> None:
    db = op.get_bind()
    rows = db.execute(
        sa.text(
            "SELECT r.id, r.community_id, r.setback_id, r.text, r.best_marked_by, "
            "r.best_marked_at, s.title, s.body, s.tags FROM reply r "
            "JOIN setback s ON s.id = r.setback_id "
            "WHERE r.best_marked_at IS NOT NULL AND NOT r.deleted "
            "AND NOT EXISTS (SELECT 1 FROM featured_answer f WHERE f.reply_id = r.id)"
        )
    ).all()
    for reply_id, community, post_id, text, by, at, title, body, tags in rows:
        entry = db.execute(
            sa.text(
                "INSERT INTO featured_answer (community_id, reply_id, setback_id, topic, "
                "summary, featured_by, featured_at, updated_at, featured) VALUES (:c, :r, :s, "
                "'', :summary, :by, :at, :at, :no) RETURNING id"
            ),
            {
                "c": community,
                "r": reply_id,
                "s": post_id,
                "summary": excerpt(" ".join(text.split()), _SUMMARY_MAX),
                "by": by or "",
                "at": at,
                "no": False,
            },
        ).scalar_one()
        words: Counter[str] = weighted(" ".join((title, body, text, *_tags(tags))))
        for term, weight in words.items():
            db.execute(
                sa.text(
                    "INSERT INTO library_term (community_id, term, featured_id, weight) "
                    "VALUES (:c, :t, :f, :w)"
                ),
                {"c": community, "t": term, "f": entry, "w": weight},
            )


def _tags(stored: object) -> list[str]:
    if isinstance(stored, str):
        stored = json.loads(stored)
    return [str(tag) for tag in stored] if isinstance(stored, list) else []


def downgrade() -> None:
    op.execute(
        "DELETE FROM library_term WHERE featured_id IN "
        "(SELECT id FROM featured_answer WHERE NOT featured)"
    )
    op.execute("DELETE FROM featured_answer WHERE NOT featured")
    op.drop_table("library_term_count")
    with op.batch_alter_table("library_share", schema=None) as batch_op:
        batch_op.drop_index("ix_library_share_reply")
    op.drop_table("library_share")
    with op.batch_alter_table("featured_answer", schema=None) as batch_op:
        batch_op.drop_column("featured")
