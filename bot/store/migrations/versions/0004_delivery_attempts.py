"""outbox delivery attempts, pieces and the given-up state

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.store.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_PENDING_BEFORE = "delivered_at IS NULL"
_PENDING_NOW = "delivered_at IS NULL AND gave_up_at IS NULL"


def _pending_index(where: str) -> None:
    op.create_index(
        "ix_outbound_pending",
        "outbound",
        ["next_try_at"],
        unique=False,
        postgresql_where=sa.text(where),
        sqlite_where=sa.text(where),
    )


def upgrade() -> None:
    with op.batch_alter_table("outbound") as batch:
        batch.add_column(sa.Column("attempted_at", bot.store.types.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("pieces", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("first_failed_at", bot.store.types.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("gave_up_at", bot.store.types.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("last_error", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("last_error_kind", sa.String(length=20), nullable=True))
    op.drop_index("ix_outbound_pending", table_name="outbound")
    _pending_index(_PENDING_NOW)


def downgrade() -> None:
    op.drop_index("ix_outbound_pending", table_name="outbound")
    _pending_index(_PENDING_BEFORE)
    with op.batch_alter_table("outbound") as batch:
        for column in (
            "last_error_kind",
            "last_error",
            "gave_up_at",
            "first_failed_at",
            "pieces",
            "attempted_at",
        ):
            batch.drop_column(column)
