"""initial schema

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.store.types

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "community",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("created_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "processed_event",
        sa.Column("community_id", sa.String(length=100), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("received_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("community_id", "event_id"),
    )
    op.create_table(
        "outbound",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.String(length=100), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=250), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("intent", sa.JSON(), nullable=False),
        sa.Column("created_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.Column("next_try_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.Column("delivered_at", bot.store.types.UTCDateTime(), nullable=True),
        sa.Column("delivered_ref", sa.String(length=200), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(length=100), nullable=True),
        sa.Column("lease_until", bot.store.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["community.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("outbound", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbound_pending",
            ["next_try_at"],
            unique=False,
            postgresql_where=sa.text("delivered_at IS NULL"),
            sqlite_where=sa.text("delivered_at IS NULL"),
        )
        batch_op.create_index("ix_outbound_source", ["community_id", "source"], unique=False)

    op.create_table(
        "setback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.String(length=100), nullable=False),
        sa.Column("poster_id", sa.String(length=100), nullable=False),
        sa.Column("poster_name", sa.String(length=200), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("pseudonym", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("stage", sa.String(length=30), nullable=True),
        sa.Column("kind", sa.String(length=30), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("channel_id", sa.String(length=100), nullable=False),
        sa.Column("thread_ref", sa.String(length=200), nullable=True),
        sa.Column("status_message_ref", sa.String(length=200), nullable=True),
        sa.Column("created_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.Column("last_activity_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.Column("outcome_ask_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.Column("closed_at", bot.store.types.UTCDateTime(), nullable=True),
        sa.Column("stop_asking", sa.Boolean(), nullable=False),
        sa.Column("still_waiting_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["community.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("community_id", "thread_ref", name="uq_setback_thread"),
    )
    with op.batch_alter_table("setback", schema=None) as batch_op:
        batch_op.create_index("ix_setback_poster", ["community_id", "poster_id"], unique=False)

    op.create_table(
        "follow_up",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.String(length=100), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("setback_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("due_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.Column("done_at", bot.store.types.UTCDateTime(), nullable=True),
        sa.Column("lease_owner", sa.String(length=100), nullable=True),
        sa.Column("lease_until", bot.store.types.UTCDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["community.id"],
        ),
        sa.ForeignKeyConstraint(
            ["setback_id"],
            ["setback.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("setback_id", "kind", name="uq_follow_up_kind"),
    )
    with op.batch_alter_table("follow_up", schema=None) as batch_op:
        batch_op.create_index(
            "ix_follow_up_pending_due",
            ["due_at"],
            unique=False,
            postgresql_where=sa.text("done_at IS NULL"),
            sqlite_where=sa.text("done_at IS NULL"),
        )

    op.create_table(
        "outcome_update",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.String(length=100), nullable=False),
        sa.Column("setback_id", sa.Integer(), nullable=False),
        sa.Column("result", sa.String(length=30), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("acted_on", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["community.id"],
        ),
        sa.ForeignKeyConstraint(
            ["setback_id"],
            ["setback.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("outcome_update", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outcome_update_setback_id"), ["setback_id"], unique=False
        )

    op.create_table(
        "reply",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.String(length=100), nullable=False),
        sa.Column("setback_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.String(length=100), nullable=False),
        sa.Column("author_name", sa.String(length=200), nullable=False),
        sa.Column("by_poster", sa.Boolean(), nullable=False),
        sa.Column("relayed", sa.Boolean(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("message_ref", sa.String(length=200), nullable=True),
        sa.Column("created_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.Column("edited_at", bot.store.types.UTCDateTime(), nullable=True),
        sa.Column("best_marked_at", bot.store.types.UTCDateTime(), nullable=True),
        sa.Column("best_marked_by", sa.String(length=100), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["community.id"],
        ),
        sa.ForeignKeyConstraint(
            ["setback_id"],
            ["setback.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("community_id", "message_ref", name="uq_reply_message"),
    )
    with op.batch_alter_table("reply", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reply_setback_id"), ["setback_id"], unique=False)

    op.create_table(
        "appreciation",
        sa.Column("reply_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.String(length=100), nullable=False),
        sa.Column("created_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reply_id"],
            ["reply.id"],
        ),
        sa.PrimaryKeyConstraint("reply_id", "member_id"),
    )


def downgrade() -> None:
    op.drop_table("appreciation")
    with op.batch_alter_table("reply", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reply_setback_id"))

    op.drop_table("reply")
    with op.batch_alter_table("outcome_update", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outcome_update_setback_id"))

    op.drop_table("outcome_update")
    with op.batch_alter_table("follow_up", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_follow_up_pending_due",
            postgresql_where=sa.text("done_at IS NULL"),
            sqlite_where=sa.text("done_at IS NULL"),
        )

    op.drop_table("follow_up")
    with op.batch_alter_table("setback", schema=None) as batch_op:
        batch_op.drop_index("ix_setback_poster")

    op.drop_table("setback")
    with op.batch_alter_table("outbound", schema=None) as batch_op:
        batch_op.drop_index("ix_outbound_source")
        batch_op.drop_index(
            "ix_outbound_pending",
            postgresql_where=sa.text("delivered_at IS NULL"),
            sqlite_where=sa.text("delivered_at IS NULL"),
        )

    op.drop_table("outbound")
    op.drop_table("processed_event")
    op.drop_table("community")
