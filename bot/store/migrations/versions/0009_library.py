"""moderators and the library: an append-only audit log, featured answers and their search
index, hidden replies, locked posts, community topics, suggestion preferences, weekly digests sent

Revision ID: 0009_library
Revises: 0006 (the lead re-chains at merge)

The audit log refuses UPDATE and DELETE with a trigger on both databases, so no code path,
present or future, can rewrite what moderators did.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.store.types

revision = "0009_library"
down_revision = "0008_installations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.String(length=100), nullable=False),
        sa.Column("actor_id", sa.String(length=100), nullable=False),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("setback_id", sa.Integer(), nullable=True),
        sa.Column("reply_id", sa.Integer(), nullable=True),
        sa.Column("member_id", sa.String(length=100), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["community.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index("ix_audit_entry_actor", ["community_id", "actor_id"], unique=False)
        batch_op.create_index("ix_audit_entry_member", ["community_id", "member_id"], unique=False)
        batch_op.create_index("ix_audit_entry_recent", ["community_id", "id"], unique=False)
        batch_op.create_index(
            "ix_audit_entry_setback", ["community_id", "setback_id"], unique=False
        )

    op.create_table(
        "library_preference",
        sa.Column("community_id", sa.String(length=100), nullable=False),
        sa.Column("member_id", sa.String(length=100), nullable=False),
        sa.Column("suggestions_off", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["community.id"],
        ),
        sa.PrimaryKeyConstraint("community_id", "member_id"),
    )
    op.create_table(
        "library_topic",
        sa.Column("community_id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("added_by", sa.String(length=100), nullable=False),
        sa.Column("added_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["community.id"],
        ),
        sa.PrimaryKeyConstraint("community_id", "name"),
    )
    op.create_table(
        "post_lock",
        sa.Column("setback_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("locked_by", sa.String(length=100), nullable=False),
        sa.Column("locked_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["community.id"],
        ),
        sa.ForeignKeyConstraint(
            ["setback_id"],
            ["setback.id"],
        ),
        sa.PrimaryKeyConstraint("setback_id"),
    )
    op.create_table(
        "featured_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.String(length=100), nullable=False),
        sa.Column("reply_id", sa.Integer(), nullable=False),
        sa.Column("setback_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=80), nullable=False),
        sa.Column("summary", sa.String(length=200), nullable=False),
        sa.Column("featured_by", sa.String(length=100), nullable=False),
        sa.Column("featured_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["community.id"],
        ),
        sa.ForeignKeyConstraint(
            ["reply_id"],
            ["reply.id"],
        ),
        sa.ForeignKeyConstraint(
            ["setback_id"],
            ["setback.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("community_id", "reply_id", name="uq_featured_reply"),
    )
    with op.batch_alter_table("featured_answer", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_featured_answer_setback_id"), ["setback_id"], unique=False
        )
        batch_op.create_index("ix_featured_answer_topic", ["community_id", "topic"], unique=False)

    op.create_table(
        "hidden_reply",
        sa.Column("reply_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("hidden_by", sa.String(length=100), nullable=False),
        sa.Column("hidden_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["community.id"],
        ),
        sa.ForeignKeyConstraint(
            ["reply_id"],
            ["reply.id"],
        ),
        sa.PrimaryKeyConstraint("reply_id"),
    )
    op.create_table(
        "library_term",
        sa.Column("community_id", sa.String(length=100), nullable=False),
        sa.Column("term", sa.String(length=40), nullable=False),
        sa.Column("featured_id", sa.Integer(), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["featured_id"],
            ["featured_answer.id"],
        ),
        sa.PrimaryKeyConstraint("community_id", "term", "featured_id"),
    )
    with op.batch_alter_table("library_term", schema=None) as batch_op:
        batch_op.create_index("ix_library_term_featured", ["featured_id"], unique=False)
    op.create_table(
        "digest_sent",
        sa.Column("community_id", sa.String(length=100), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("sent_at", bot.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.PrimaryKeyConstraint("community_id", "week"),
    )
    _refuse_changes_to_audit()


def downgrade() -> None:
    op.drop_table("digest_sent")
    _allow_changes_to_audit()
    with op.batch_alter_table("library_term", schema=None) as batch_op:
        batch_op.drop_index("ix_library_term_featured")

    op.drop_table("library_term")
    op.drop_table("hidden_reply")
    with op.batch_alter_table("featured_answer", schema=None) as batch_op:
        batch_op.drop_index("ix_featured_answer_topic")
        batch_op.drop_index(batch_op.f("ix_featured_answer_setback_id"))

    op.drop_table("featured_answer")
    op.drop_table("post_lock")
    op.drop_table("library_topic")
    op.drop_table("library_preference")
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entry_setback")
        batch_op.drop_index("ix_audit_entry_recent")
        batch_op.drop_index("ix_audit_entry_member")
        batch_op.drop_index("ix_audit_entry_actor")

    op.drop_table("audit_entry")


_REFUSAL = "audit_entry is append-only"


def _refuse_changes_to_audit() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_entry_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{_REFUSAL}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry "
            "FOR EACH ROW EXECUTE FUNCTION audit_entry_refuse()"
        )
        op.execute(
            "CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_refuse()"
        )
        return
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER audit_entry_no_{verb.lower()} BEFORE {verb} ON audit_entry "
            f"BEGIN SELECT RAISE(ABORT, '{_REFUSAL}'); END"
        )


def _allow_changes_to_audit() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_entry_no_truncate ON audit_entry")
        op.execute("DROP TRIGGER audit_entry_append_only ON audit_entry")
        op.execute("DROP FUNCTION audit_entry_refuse()")
        return
    for verb in ("update", "delete"):
        op.execute(f"DROP TRIGGER audit_entry_no_{verb}")
