"""events stored before their acknowledgement, decided after it

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.store.types

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accepted_event",
        sa.Column("community_id", sa.String(length=100), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("event", sa.JSON(), nullable=False),
        sa.Column("route", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("taken_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("community_id", "event_id"),
    )
    op.create_index(
        "ix_accepted_event_waiting", "accepted_event", ["platform", "taken_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_accepted_event_waiting", table_name="accepted_event")
    op.drop_table("accepted_event")
