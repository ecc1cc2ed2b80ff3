"""installations (sealed tokens), OAuth states, audited community settings

Revision ID: 0008_installations
Revises: 0006 (the lead re-chains it at merge)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.store.types

revision = "0008_installations"
down_revision = "0007_care"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "installation",
        sa.Column("community_id", sa.String(length=100), nullable=False),
        sa.Column("enterprise_id", sa.String(length=40), nullable=True),
        sa.Column("team_id", sa.String(length=40), nullable=True),
        sa.Column("app_id", sa.String(length=40), nullable=True),
        sa.Column("bot_id", sa.String(length=40), nullable=False),
        sa.Column("bot_user_id", sa.String(length=40), nullable=False),
        sa.Column("bot_scopes", sa.Text(), nullable=False),
        sa.Column("bot_token", sa.Text(), nullable=False),
        sa.Column("bot_refresh_token", sa.Text(), nullable=True),
        sa.Column("bot_token_expires_at", bot.store.types.UTCDateTime(), nullable=True),
        sa.Column("installer_user_id", sa.String(length=40), nullable=True),
        sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
        sa.Column("installed_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.Column("revision", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.PrimaryKeyConstraint("community_id"),
    )
    op.create_table(
        "oauth_state",
        sa.Column("state", sa.String(length=100), nullable=False),
        sa.Column("expires_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("state"),
    )
    op.create_index(op.f("ix_oauth_state_expires_at"), "oauth_state", ["expires_at"], unique=False)
    op.create_table(
        "community_setting_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.String(length=100), nullable=False),
        sa.Column("changed_by", sa.String(length=100), nullable=False),
        sa.Column("changed_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_community_setting_change",
        "community_setting_change",
        ["community_id", "changed_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_community_setting_change", table_name="community_setting_change")
    op.drop_table("community_setting_change")
    op.drop_index(op.f("ix_oauth_state_expires_at"), table_name="oauth_state")
    op.drop_table("oauth_state")
    op.drop_table("installation")
