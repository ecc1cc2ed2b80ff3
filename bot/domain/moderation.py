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


# The label of each action in audit views (content/<locale>/messages.yaml).
LABELS: dict[Action, str] = {
    Action.FEATURE: "audit.action.feature",
    Action.EDIT_FEATURE: "audit.action.edit_feature",
    Action.UNFEATURE: "audit.action.unfeature",
    Action.HIDE: "audit.action.hide",
    Action.UNHIDE: "audit.action.unhide",
    Action.LOCK: "audit.action.lock",
    Action.REOPEN: "audit.action.reopen",
    Action.RETAG: "audit.action.retag",
    Action.NOTE: "audit.action.note",
    Action.MARK_BEST: "audit.action.mark_best",
    Action.UNMARK_BEST: "audit.action.unmark_best",
    Action.ADD_TOPIC: "audit.action.add_topic",
}
