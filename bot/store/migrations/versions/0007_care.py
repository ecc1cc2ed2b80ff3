"""care events, paused posts, members' settings and forgotten members

Revision ID: 0007_care
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.store.types

revision = "0007_care"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "care_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.String(length=100), nullable=False),
        sa.Column("setback_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("member_id", sa.String(length=100), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.ForeignKeyConstraint(["setback_id"], ["setback.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_care_event_post", "care_event", ["community_id", "setback_id"])
    op.create_table(
        "care_pause",
        sa.Column("community_id", sa.String(length=100), nullable=False),
        sa.Column("setback_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("paused_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.ForeignKeyConstraint(["setback_id"], ["setback.id"]),
        sa.ForeignKeyConstraint(["event_id"], ["care_event.id"]),
        sa.PrimaryKeyConstraint("community_id", "setback_id"),
    )
    op.create_table(
        "member_setting",
        sa.Column("community_id", sa.String(length=100), nullable=False),
        sa.Column("member_id", sa.String(length=100), nullable=False),
        sa.Column("dm_opt_out", sa.Boolean(), nullable=False),
        sa.Column("updated_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.PrimaryKeyConstraint("community_id", "member_id"),
    )
    op.create_table(
        "forgotten_member",
        sa.Column("community_id", sa.String(length=100), nullable=False),
        sa.Column("member_key", sa.String(length=64), nullable=False),
        sa.Column("request", sa.String(length=40), nullable=False),
        sa.Column("forgotten_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.PrimaryKeyConstraint("community_id", "member_key", "request"),
    )


def downgrade() -> None:
    op.drop_table("forgotten_member")
    op.drop_table("member_setting")
    op.drop_table("care_pause")
    op.drop_index("ix_care_event_post", table_name="care_event")
    op.drop_table("care_event")
