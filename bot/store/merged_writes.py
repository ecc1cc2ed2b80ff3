"""A post's or a reply's INSERT with the writes that follow it, as one statement on
PostgreSQL.

Each write after the INSERT is a data-modifying CTE reading the new row through the
INSERT's RETURNING (`WITH new AS (INSERT ... RETURNING ...), ... SELECT ... FROM new`): one
round trip where SQLite, whose statements cost none, runs the same writes one at a time
(`SetbackRepo.add_post`, `ReplyRepo.add_message_reply`), with the same rows and conflict
rules (`RollupRepo`, `FollowUpRepo.schedule`, `touch_post`).

The parts of one statement share its snapshot and none sees another's rows: a part reads
the new row only through its CTE, and no two parts change one row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Integer,
    Select,
    String,
    Table,
    bindparam,
    column,
    literal,
    literal_column,
    select,
    true,
    update,
    values,
)
from sqlalchemy.sql.schema import ScalarElementColumnDefault

from bot.store.care_repo import previous_reply
from bot.store.followup_repo import rescheduled
from bot.store.prepared import prepared
from bot.store.rollup_repo import FIRST_REPLY, REPLY_TIME_ROLLUP, counted, posts_slot
from bot.store.statements import FOLLOW_UP, REPLY, SETBACK, insert_for, unless_buried

_AT = FOLLOW_UP.c.due_at.type
_COMMUNITY = bindparam("b_community", type_=String)
_SETBACK_ID = bindparam("b_setback", type_=Integer)
_NOW = bindparam("b_now", type_=_AT)


def _bound(table: Table, names: Iterable[str]) -> dict[str, Any]:
    """The INSERT's values: each of these columns bound as `v_<column>` (`bound_values`),
    the others' constant defaults. In a CTE, SQLAlchemy neither fills the defaults in nor
    keeps a parameter named after a column out of another part's SET."""
    given = {name: bindparam(f"v_{name}", type_=table.c[name].type) for name in names}
    defaults = {
        column.key: literal(default.arg, column.type)
        for column in table.c
        if column.key not in given
        and isinstance(default := column.default, ScalarElementColumnDefault)
    }
    return {**given, **defaults}


def bound_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters of `_bound`'s columns."""
    return {f"v_{name}": value for name, value in values.items()}


def _scheduled(new: CTE, setback_id: ColumnElement[Any], rows: int, *only: Any) -> CTE:
    """The follow-ups `FollowUps.params` binds (never reopening a fired one), for each
    row of `new` (that meets `only`)."""
    due = values(column("kind", String), column("due_at", _AT), name="due").data(
        [(bindparam(f"b_kind_{n}"), bindparam(f"b_due_{n}", type_=_AT)) for n in range(rows)]
    )
    each = (
        select(
            _COMMUNITY,
            bindparam("b_platform", type_=String),
            setback_id,
            due.c.kind,
            due.c.due_at,
            literal_column("0", Integer),
        )
        .select_from(new)
        .join(due, true())
        .where(*only)
    )
    names = ["community_id", "platform", "setback_id", "kind", "due_at", "attempts"]
    insert = insert_for("postgresql")(FOLLOW_UP).from_select(names, each)
    scheduled: CTE = rescheduled(insert, reopen=False).cte("scheduled")
    return scheduled


@lru_cache(maxsize=16)
def post_with_writes(columns: tuple[str, ...], follow_ups: int) -> Select[Any]:
    """`SetbackRepo.add_post`'s INSERT (the post's `columns`, all of it returned), the post
    counted (`RollupRepo.post_added`) and its `follow_ups` scheduled."""
    insert = insert_for("postgresql")
    new = SETBACK.insert().values(_bound(SETBACK, columns)).returning(*SETBACK.c).cte("new_post")
    slot = select(new.c.community_id, posts_slot(new.c.id), literal_column("1", Integer))
    count = insert(REPLY_TIME_ROLLUP).from_select(["community_id", "minutes", "count"], slot)
    statement = select(new).add_cte(counted(count).cte("post_counted"))
    if follow_ups:
        statement = statement.add_cte(_scheduled(new, new.c.id, follow_ups))
    return prepared(statement)


@lru_cache(maxsize=32)
def reply_with_writes(
    columns: tuple[str, ...], *, first_counted: bool, follow_ups: int | None, previous: bool
) -> Select[Any]:
    """`ReplyRepo.add_message_reply`'s INSERT (the reply's `columns`; its words and whether
    it is deleted by its tombstone), returning its id and whether it is deleted, and:

    * `first_counted`: when the reply is live, the post's first answer counted by its wait,
      `b_minutes` (`RollupRepo.reply_added`);
    * `follow_ups` (unless None): when the reply is live, the post touched at `b_now`
      (unless it was where it was taken) and, with its first answer, that many follow-ups
      scheduled;
    * `previous`: the author and words of the message before it in the thread (none when
      it is the first), as `CareRepo.previous_reply` reads them.
    """
    insert = insert_for("postgresql")
    added = unless_buried(insert(REPLY).values(_bound(REPLY, columns)))
    new = added.on_conflict_do_nothing().returning(REPLY.c.id, REPLY.c.deleted).cte("new_reply")
    parts: list[CTE] = []
    live = new.c.deleted.is_(False)
    first_cte: CTE | None = None
    if first_counted:
        noted = select(_SETBACK_ID, _COMMUNITY, _NOW).select_from(new).where(live)
        names = ["setback_id", "community_id", "replied_at"]
        first = insert(FIRST_REPLY).from_select(names, noted).on_conflict_do_nothing()
        first_cte = first.returning(FIRST_REPLY.c.setback_id).cte("first_reply")
        minutes = bindparam("b_minutes", type_=Integer)
        wait = select(_COMMUNITY, minutes, literal_column("1", Integer)).select_from(first_cte)
        count = insert(REPLY_TIME_ROLLUP).from_select(["community_id", "minutes", "count"], wait)
        parts += [first_cte, counted(count).cte("first_counted")]
    if follow_ups is not None:
        touch = (
            update(SETBACK)
            .where(
                SETBACK.c.community_id == _COMMUNITY,
                SETBACK.c.id == _SETBACK_ID,
                SETBACK.c.last_activity_at < _NOW,
                select(new.c.id).where(live).exists(),
            )
            .values(last_activity_at=_NOW)
        )
        parts.append(touch.cte("touched"))
        if follow_ups and first_cte is not None:
            parts.append(_scheduled(first_cte, _SETBACK_ID, follow_ups))
    if previous:
        before = previous_reply(_SETBACK_ID, new.c.id).lateral("previous")
        statement = select(new.c.id, new.c.deleted, before.c.author_id, before.c.text)
        statement = statement.select_from(new.outerjoin(before, true()))
    else:
        statement = select(new.c.id, new.c.deleted.label("deleted"))
    for part in parts:
        statement = statement.add_cte(part)
    return prepared(statement)
