"""Self-describing ids for buttons and forms (`rb:verb:args`), so they survive restarts.

Discord caps custom ids at 100 characters; these stay far below.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.domain.rules import RECORD_ID

PREFIX = "rb"


class Verb(StrEnum):
    RELAY = "relay"
    APPRECIATE = "appreciate"
    OUTCOME = "outcome"
    WAITING = "waiting"
    SNOOZE = "snooze"
    STOP = "stop"
    OUTCOME_CHANGE = "ochange"
    TEMPLATE_SEND = "tsend"
    TEMPLATE_POST = "tpost"
    TEMPLATE_OTHER = "tother"
    TEMPLATE_VARIANT = "tvariant"
    OPEN_FORM = "open"
    # Care and members' data (bot/features/care, bot/features/my_data).
    CARE_RESUME = "cresume"
    FORGET = "forget"
    DM_OFF = "dmoff"
    DM_ON = "dmon"
    # Moderators and the library (bot/features/): paging and the suggestions setting.
    AUDIT_PAGE = "apage"
    LIBRARY_PAGE = "lpage"
    SUGGESTIONS_OFF = "sugoff"
    LIBRARY_SHARE = "lshare"


class FormKind(StrEnum):
    SETBACK = "setback"
    RELAY = "relay"
    OUTCOME = "outcome"
    OUTCOME_CHANGE = "outcome_change"
    TEMPLATE = "template"
    TEMPLATE_ADD = "template_add"
    TEMPLATE_EDIT = "template_edit"
    FEATURE = "feature"
    HIDE = "hide"
    UNHIDE = "unhide"


@dataclass(frozen=True)
class Parsed:
    name: str
    args: tuple[str, ...]

    def number(self, index: int = 0) -> int | None:
        """Argument `index` as a record id, or None if absent or not a plausible id."""
        if len(self.args) <= index or not RECORD_ID.fullmatch(self.args[index]):
            return None
        return int(self.args[index])


def action_id(verb: Verb, *args: object) -> str:
    return ":".join((PREFIX, verb.value, *(str(arg) for arg in args)))


def form_id(kind: FormKind, *args: object) -> str:
    return ":".join((PREFIX, "form", kind.value, *(str(arg) for arg in args)))


def parse_action(raw: str) -> Parsed | None:
    parts = raw.split(":")
    if len(parts) < 2 or parts[0] != PREFIX or parts[1] == "form":
        return None
    return Parsed(parts[1], tuple(parts[2:]))


def parse_form(raw: str) -> Parsed | None:
    parts = raw.split(":")
    if len(parts) < 3 or parts[:2] != [PREFIX, "form"]:
        return None
    return Parsed(parts[2], tuple(parts[3:]))
