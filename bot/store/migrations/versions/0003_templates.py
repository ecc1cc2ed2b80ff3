"""community templates, drafts and uses

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.store.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "community_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("origin_thread_ref", sa.String(length=200), nullable=True),
        sa.Column("origin_message_ref", sa.String(length=200), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["community.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("community_id", "key", name="uq_community_template_key"),
    )
    op.create_table(
        "community_template_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["community_template.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("template_id", "version", name="uq_community_template_version"),
    )
    op.create_table(
        "template_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.String(length=100), nullable=False),
        sa.Column("member_id", sa.String(length=100), nullable=False),
        sa.Column("template_key", sa.String(length=40), nullable=False),
        sa.Column("template_version", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("register_name", sa.String(length=20), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("setback_id", sa.Integer(), nullable=True),
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
    with op.batch_alter_table("template_draft", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_template_draft_member_id"), ["member_id"], unique=False
        )

    op.create_table(
        "template_use",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.String(length=100), nullable=False),
        sa.Column("setback_id", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("template_key", sa.String(length=40), nullable=False),
        sa.Column("template_title", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("register_name", sa.String(length=20), nullable=False),
        sa.Column("via", sa.String(length=20), nullable=False),
        sa.Column("sent", sa.Boolean(), nullable=False),
        sa.Column("used_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["community.id"],
        ),
        sa.ForeignKeyConstraint(
            ["draft_id"],
            ["template_draft.id"],
        ),
        sa.ForeignKeyConstraint(
            ["setback_id"],
            ["setback.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("draft_id", "via", name="uq_template_use_via"),
    )
    with op.batch_alter_table("template_use", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_template_use_setback_id"), ["setback_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("template_use", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_template_use_setback_id"))

    op.drop_table("template_use")
    with op.batch_alter_table("template_draft", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_template_draft_member_id"))

    op.drop_table("template_draft")
    op.drop_table("community_template_version")
    op.drop_table("community_template")
