"""The message keys of care and members' data, and what each receives (see wording.py)."""

from __future__ import annotations

from collections.abc import Mapping

CARE_KEYS: Mapping[str, frozenset[str]] = {
    "care.to_author": frozenset({"resources"}),
    "care.alert": frozenset({"post"}),
    "care.alert_link": frozenset(),
    "button.care_resume": frozenset(),
    "care.resumed": frozenset({"post"}),
    "care.already_resumed": frozenset({"post"}),
    "care.moderators_only": frozenset(),
    "command.rebound_help": frozenset(),
    "my_data.sent": frozenset({"parts", "posts", "replies"}),
    "my_data.file_note": frozenset({"part", "parts"}),
    "my_data.forgotten_only": frozenset(),
    "forget.confirm": frozenset(),
    "button.forget_confirm": frozenset(),
    "forget.done": frozenset({"replies", "posts"}),
    "forget.already": frozenset(),
    "forget.removed_post": frozenset(),
    "forget.removed_title": frozenset(),
    "retention.removed_title": frozenset({"days"}),
    "dm.opt_out_line": frozenset(),
    "button.dm_opt_out": frozenset(),
    "button.dm_opt_in": frozenset(),
    "settings.dm_on": frozenset(),
    "settings.dm_off": frozenset(),
    "settings.dm_stopped": frozenset(),
    "settings.dm_started": frozenset(),
    "mine.heading": frozenset(),
    "mine.waiting": frozenset({"title"}),
    "retention.removed": frozenset({"days"}),
    "reveal.off": frozenset(),
    "reveal.how": frozenset(),
    "reveal.reason_needed": frozenset(),
    "reveal.not_anonymous": frozenset(),
    "reveal.shown": frozenset({"post", "name"}),
    "reveal.told": frozenset({"title", "reason"}),
}
