"""once-only facts: one outcome per post (changed on purpose), post versions, status edits
in order, the outcome ask's message

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.store.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Posts answered twice before the constraint keep their first update.
    op.execute(
        "DELETE FROM outcome_update WHERE id NOT IN "
        "(SELECT min(id) FROM outcome_update GROUP BY setback_id)"
    )
    with op.batch_alter_table("outcome_update", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_outcome_setback", ["setback_id"])
        batch_op.add_column(sa.Column("changed_at", bot.store.types.UTCDateTime(), nullable=True))
    with op.batch_alter_table("setback", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("outcome_ask_ref", sa.String(length=200), nullable=True))
    op.create_table(
        "status_shown",
        sa.Column("setback_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(length=100), nullable=True),
        sa.Column("lease_until", bot.store.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["setback_id"], ["setback.id"]),
        sa.PrimaryKeyConstraint("setback_id"),
    )


def downgrade() -> None:
    op.drop_table("status_shown")
    with op.batch_alter_table("setback", schema=None) as batch_op:
        batch_op.drop_column("outcome_ask_ref")
        batch_op.drop_column("version")
    with op.batch_alter_table("outcome_update", schema=None) as batch_op:
        batch_op.drop_column("changed_at")
        batch_op.drop_constraint("uq_outcome_setback", type_="unique")
