"""forms offered behind a button when they could not open in time

Revision ID: 0011
Revises: 0009_library
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.store.types

revision = "0011"
down_revision = "0009_library"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "form_offer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.String(length=100), nullable=False),
        sa.Column("user_id", sa.String(length=100), nullable=False),
        sa.Column("form", sa.JSON(), nullable=False),
        sa.Column("offered_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_form_offer_offered_at"), "form_offer", ["offered_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_form_offer_offered_at"), table_name="form_offer")
    op.drop_table("form_offer")
