"""The message keys of setting a community up inside the chat, and their parameters."""

from __future__ import annotations

from collections.abc import Mapping

SETUP_FIELDS = (
    "support_channel",
    "helpers_channel",
    "moderators",
    "appreciation_emoji",
    "locale",
    "nudge_after_hours",
    "reminder_quiet_hours",
    "outcome_after_days",
    "close_after_days",
)

SETUP_KEYS: Mapping[str, frozenset[str]] = {
    "setup.form.title": frozenset(),
    "setup.form.submit": frozenset(),
    **{f"setup.field.{name}.label": frozenset() for name in SETUP_FIELDS},
    "setup.field.moderators.hint": frozenset(),
    "setup.saved": frozenset({"channel"}),
    "setup.invite_me": frozenset({"channel"}),
    "setup.admins_only": frozenset(),
    "setup.not_set_up": frozenset({"who"}),
    "setup.starting": frozenset(),
    "setup.who.installer": frozenset({"installer"}),
    "setup.who.admins": frozenset(),
    "setup.who.managers": frozenset(),
    "setup.home.who": frozenset(),
    "setup.usage": frozenset(),
    "setup.bad_number": frozenset({"value"}),
    "setup.bad_locale": frozenset({"value", "locales"}),
    "setup.channel_needed": frozenset(),
    "setup.missing_scopes": frozenset({"scopes", "link"}),
}
