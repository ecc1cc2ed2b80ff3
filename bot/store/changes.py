"""The columns each change may write, typed: what `update_post` and `update_reply` take."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict


class SetbackChanges(TypedDict, total=False):
    """Columns of a post that change after it is stored."""

    title: str
    body: str
    thread_ref: str | None
    status_message_ref: str | None
    last_activity_at: datetime
    outcome_ask_at: datetime
    outcome_ask_ref: str | None
    closed_at: datetime | None
    stop_asking: bool
    still_waiting_count: int
    withdrawn_at: datetime | None
    tags: list[str]


class ReplyChanges(TypedDict, total=False):
    """Columns of a reply that change after it is stored."""

    text: str
    message_ref: str | None
    edited_at: datetime
    deleted: bool
    best_marked_at: datetime | None
    best_marked_by: str | None
