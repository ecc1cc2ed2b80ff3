"""Statements on the hot path, built once per dialect with bound parameters.

Building a SQLAlchemy statement and its cache key costs more than running it on SQLite;
these are built once and executed with plain parameter dictionaries.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, bindparam, case, select, update
from sqlalchemy.sql import Update

from bot.store.prepared import prepared
from bot.store.tables import (
    AcceptedEventRow,
    AppreciationRow,
    CommunityRow,
    CommunityTemplateRow,
    CommunityTemplateVersionRow,
    ConversationRow,
    FollowUpRow,
    FormOfferRow,
    OutboundRow,
    OutcomeRow,
    ParkedEventRow,
    PostRow,
    ProcessedEventRow,
    ReplyRow,
    StatusShownRow,
    TemplateDraftRow,
    TemplateUseRow,
    TombstoneRow,
)

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql, sqlite

COMMUNITY = CommunityRow
SETBACK = PostRow
REPLY = ReplyRow
APPRECIATION = AppreciationRow
OUTCOME = OutcomeRow
COMMUNITY_TEMPLATE = CommunityTemplateRow
COMMUNITY_TEMPLATE_VERSION = CommunityTemplateVersionRow
TEMPLATE_DRAFT = TemplateDraftRow
TEMPLATE_USE = TemplateUseRow
FOLLOW_UP = FollowUpRow
PROCESSED = ProcessedEventRow
OUTBOUND = OutboundRow
CONVERSATION = ConversationRow
PARKED_EVENT = ParkedEventRow
TOMBSTONE = TombstoneRow
STATUS_SHOWN = StatusShownRow
FORM_OFFER = FormOfferRow
ACCEPTED = AcceptedEventRow


def take_post(*conditions: Any) -> Update:
    """Take the posts matching `conditions` for a change: the UPDATE holds their rows until
    the transaction ends (SQLite's write lock holds everything anyway) and raises their
    version, and RETURNING gives them as committed by whoever held them before."""
    return (
        update(SETBACK)
        .where(*conditions)
        .values(version=SETBACK.c.version + 1)
        .returning(*SETBACK.c)
    )


@dataclass(frozen=True)
class HotStatements:
    claim_event: Any
    add_reply: Any
    add_reply_unless_buried: Any
    post_by_thread: Update
    post_by_thread_active: Update
    touch_post: Update
    finish_follow_up: Update


def insert_for(dialect: str) -> Callable[[Table], postgresql.Insert | sqlite.Insert]:
    """The INSERT of `dialect` ("sqlite" or "postgresql"), with its ON CONFLICT clauses.

    Each dialect's module is imported on first use: a process on SQLite never loads the
    PostgreSQL dialect (a large part of SQLAlchemy's import).
    """
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert  # noqa: PLC0415

        return insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert  # noqa: PLC0415

    return sqlite_insert


@cache
def hot_statements(dialect: str) -> HotStatements:
    """The prepared statements for `dialect` ("sqlite" or "postgresql")."""
    insert = insert_for(dialect)
    return HotStatements(
        # Claimed or not is the row count: RETURNING would double the insert's cost on SQLite.
        claim_event=prepared(insert(PROCESSED).on_conflict_do_nothing()),
        add_reply=prepared(insert(REPLY).on_conflict_do_nothing().returning(REPLY.c.id)),
        add_reply_unless_buried=prepared(
            unless_buried(insert(REPLY))
            .on_conflict_do_nothing()
            .returning(REPLY.c.id, REPLY.c.deleted)
        ),
        # Taken (locked, its version raised) like every post a change starts from.
        post_by_thread=prepared(
            take_post(
                SETBACK.c.community_id == bindparam("b_community"),
                SETBACK.c.thread_ref == bindparam("b_thread"),
            )
        ),
        # The same, noting activity on the post (a message in its thread) as it is taken.
        post_by_thread_active=prepared(
            take_post(
                SETBACK.c.community_id == bindparam("b_community"),
                SETBACK.c.thread_ref == bindparam("b_thread"),
            ).values(last_activity_at=bindparam("b_at"))
        ),
        touch_post=prepared(
            update(SETBACK)
            .where(
                SETBACK.c.community_id == bindparam("b_community"),
                SETBACK.c.id == bindparam("b_id"),
            )
            .values(last_activity_at=bindparam("b_at"))
        ),
        # Rescheduling resets `attempts`, so a changed count means the row moved meanwhile.
        finish_follow_up=prepared(
            update(FOLLOW_UP)
            .where(
                FOLLOW_UP.c.id == bindparam("b_id"),
                FOLLOW_UP.c.lease_owner == bindparam("b_owner"),
                FOLLOW_UP.c.done_at.is_(None),
                FOLLOW_UP.c.attempts == bindparam("b_attempts"),
            )
            .values(done_at=bindparam("b_now"), lease_until=None)
        ),
    )


def unless_buried(statement: Any) -> Any:
    """A reply's INSERT that records it deleted, without its words (`b_text`), when its
    message (`b_ref`) has a tombstone newer than `b_since`: the look-up in the same
    statement."""
    buried = (
        select(TOMBSTONE.c.message_ref)
        .where(
            TOMBSTONE.c.community_id == bindparam("b_community"),
            TOMBSTONE.c.message_ref == bindparam("b_ref"),
            TOMBSTONE.c.deleted_at >= bindparam("b_since"),
        )
        .exists()
    )
    return statement.values(
        text=case((buried, ""), else_=bindparam("b_text", type_=REPLY.c.text.type)), deleted=buried
    )


@cache
def update_scoped(table_name: str, columns: tuple[str, ...]) -> Update:
    """`UPDATE <table> SET <columns> WHERE community_id = :b_community AND id = :b_id`,
    built once per set of columns; each column's value is bound as `v_<column>`."""
    target = SCOPED_TABLES[table_name]
    return prepared(
        update(target)
        .where(target.c.community_id == bindparam("b_community"), target.c.id == bindparam("b_id"))
        .values({name: bindparam(f"v_{name}") for name in columns})
    )


def scoped_params(community_id: str, row_id: int, values: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters of an `update_scoped` statement."""
    params = {f"v_{name}": value for name, value in values.items()}
    params["b_community"], params["b_id"] = community_id, row_id
    return params


SCOPED_TABLES = {SETBACK.name: SETBACK, REPLY.name: REPLY}
