"""withdrawn posts, parked thread events and tombstones

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.store.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("setback") as batch:
        batch.add_column(sa.Column("withdrawn_at", bot.store.types.UTCDateTime(), nullable=True))
    op.create_table(
        "parked_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.String(length=100), nullable=False),
        sa.Column("thread_ref", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("event", sa.JSON(), nullable=False),
        sa.Column("received_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_parked_event_thread", "parked_event", ["community_id", "thread_ref"], unique=False
    )
    op.create_index(
        op.f("ix_parked_event_received_at"), "parked_event", ["received_at"], unique=False
    )
    op.create_table(
        "tombstone",
        sa.Column("community_id", sa.String(length=100), nullable=False),
        sa.Column("message_ref", sa.String(length=200), nullable=False),
        sa.Column("deleted_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.PrimaryKeyConstraint("community_id", "message_ref"),
    )
    op.create_index(op.f("ix_tombstone_deleted_at"), "tombstone", ["deleted_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_tombstone_deleted_at"), table_name="tombstone")
    op.drop_table("tombstone")
    op.drop_index(op.f("ix_parked_event_received_at"), table_name="parked_event")
    op.drop_index("ix_parked_event_thread", table_name="parked_event")
    op.drop_table("parked_event")
    with op.batch_alter_table("setback") as batch:
        batch.drop_column("withdrawn_at")
