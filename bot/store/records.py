"""Rows to domain records: how the repositories read what they stored."""

from __future__ import annotations

from typing import Any

from sqlalchemy import RowMapping, func, select

from bot.domain.model import (
    FollowUp,
    FollowUpKind,
    OutcomeReport,
    Post,
    PostSource,
    Reply,
    SetbackKind,
    Stage,
)
from bot.store.statements import APPRECIATION, REPLY


def setback_of(row: RowMapping) -> Post:
    return Post(
        id=row["id"],
        community_id=row["community_id"],
        poster_id=row["poster_id"],
        poster_name=row["poster_name"],
        anonymous=row["anonymous"],
        pseudonym=row["pseudonym"],
        title=row["title"],
        body=row["body"],
        stage=Stage(row["stage"]) if row["stage"] else None,
        kind=SetbackKind(row["kind"]) if row["kind"] else None,
        tags=tuple(row["tags"]),
        source=PostSource(row["source"]),
        channel_id=row["channel_id"],
        thread_ref=row["thread_ref"],
        status_message_ref=row["status_message_ref"],
        created_at=row["created_at"],
        last_activity_at=row["last_activity_at"],
        outcome_ask_at=row["outcome_ask_at"],
        closed_at=row["closed_at"],
        stop_asking=row["stop_asking"],
        still_waiting_count=row["still_waiting_count"],
        version=row["version"],
        outcome_ask_ref=row["outcome_ask_ref"],
        withdrawn_at=row["withdrawn_at"],
    )


APPRECIATIONS = (
    select(func.count())
    .where(APPRECIATION.c.reply_id == REPLY.c.id)
    .correlate(REPLY)
    .scalar_subquery()
    .label("appreciations")
)


def reply_of(row: RowMapping) -> Reply:
    return Reply(
        id=row["id"],
        setback_id=row["setback_id"],
        author_id=row["author_id"],
        author_name=row["author_name"],
        by_poster=row["by_poster"],
        relayed=row["relayed"],
        text=row["text"],
        message_ref=row["message_ref"],
        created_at=row["created_at"],
        best_marked_at=row["best_marked_at"],
        best_marked_by=row["best_marked_by"],
        appreciations=row["appreciations"],
        deleted=row["deleted"],
    )


def outcome_values(report: OutcomeReport) -> dict[str, Any]:
    return {
        "result": report.result.value,
        "events": [event.value for event in report.events],
        "acted_on": list(report.acted_on_reply_ids),
        "note": report.note,
    }


def follow_up_of(row: RowMapping) -> FollowUp:
    return FollowUp(
        id=row["id"],
        community_id=row["community_id"],
        setback_id=row["setback_id"],
        kind=FollowUpKind(row["kind"]),
        due_at=row["due_at"],
        attempts=row["attempts"],
    )
