"""initial schema

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.store.types

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "community",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("created_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "processed_event",
        sa.Column("community_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("received_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("community_id", "event_id"),
    )
    op.create_table(
        "outbound",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=250), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("intent", sa.JSON(), nullable=False),
        sa.Column("created_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.Column("next_try_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.Column("delivered_at", bot.store.types.UTCDateTime(), nullable=True),
        sa.Column("delivered_ref", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
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
        sa.Column("community_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("poster_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("poster_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("pseudonym", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("stage", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("channel_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("thread_ref", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column(
            "status_message_ref", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True
        ),
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
        sa.Column("community_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("setback_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("due_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.Column("done_at", bot.store.types.UTCDateTime(), nullable=True),
        sa.Column("lease_owner", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
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
        sa.Column("community_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("setback_id", sa.Integer(), nullable=False),
        sa.Column("result", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
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
        sa.Column("community_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("setback_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("author_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("by_poster", sa.Boolean(), nullable=False),
        sa.Column("relayed", sa.Boolean(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("message_ref", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("created_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.Column("edited_at", bot.store.types.UTCDateTime(), nullable=True),
        sa.Column("best_marked_at", bot.store.types.UTCDateTime(), nullable=True),
        sa.Column("best_marked_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
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
        sa.Column("member_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
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
