"""The moderator actions the audit log names (each has an `audit.action.<name>` label)."""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    FEATURE = "feature"
    EDIT_FEATURE = "edit_feature"
    UNFEATURE = "unfeature"
    HIDE = "hide"
    UNHIDE = "unhide"
    LOCK = "lock"
    REOPEN = "reopen"
    RETAG = "retag"
    NOTE = "note"
    MARK_BEST = "mark_best"
    UNMARK_BEST = "unmark_best"
    ADD_TOPIC = "add_topic"
