"""the moderators' web page: outcome, acted-on and first-reply rollups, filled from the
records already there

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.store.types

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_RESULTS = ("worked", "partly", "not_this_time", "still_waiting", "rather_not_say")


def _counts() -> list[sa.Column[int]]:
    return [sa.Column(name, sa.Integer(), nullable=False) for name in _RESULTS]


def upgrade() -> None:
    op.create_table(
        "outcome_rollup",
        sa.Column("community_id", sa.String(length=100), nullable=False),
        sa.Column("dimension", sa.String(length=10), nullable=False),
        sa.Column("bucket", sa.String(length=30), nullable=False),
        *_counts(),
        sa.PrimaryKeyConstraint("community_id", "dimension", "bucket"),
    )
    op.create_table(
        "acted_rollup",
        sa.Column("community_id", sa.String(length=100), nullable=False),
        sa.Column("subject", sa.String(length=10), nullable=False),
        sa.Column("subject_key", sa.String(length=100), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        *_counts(),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("community_id", "subject", "subject_key"),
    )
    op.create_index(
        "ix_acted_rollup_total", "acted_rollup", ["community_id", "subject", "total"], unique=False
    )
    op.create_table(
        "first_reply",
        sa.Column("setback_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.String(length=100), nullable=False),
        sa.Column("replied_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["setback_id"], ["setback.id"]),
        sa.PrimaryKeyConstraint("setback_id"),
    )
    op.create_table(
        "reply_time_rollup",
        sa.Column("community_id", sa.String(length=100), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("community_id", "minutes"),
    )
    # Filled from what is already recorded; from here on, each transaction keeps them.
    from bot.store.rollup_repo import rebuild  # noqa: PLC0415

    rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_table("reply_time_rollup")
    op.drop_table("first_reply")
    op.drop_index("ix_acted_rollup_total", table_name="acted_rollup")
    op.drop_table("acted_rollup")
    op.drop_table("outcome_rollup")
