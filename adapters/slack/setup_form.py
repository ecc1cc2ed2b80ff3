"""The setup modal (`/rebound setup`): built from a community's settings, read back into
new settings or friendly errors by field. Pure: no Slack calls."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from adapters.slack.text import clip
from bot.api import SETUP_FIELDS, CommunitySettings, CommunitySetup

CALLBACK_ID = "rebound_setup"
MODERATORS = "moderators"
CHANNELS = ("support_channel", "helpers_channel")
NUMBERS = ("nudge_after_hours", "reminder_quiet_hours", "outcome_after_days", "close_after_days")
TEXTS = ("appreciation_emoji", "locale")
TITLE_LIMIT = 24
MAX_PERIOD = 10_000  # hours or days; anything longer is a typo
Say = Any  # (key, **params) -> str


def _plain(text: str, limit: int = 2000) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit)}


def setup_modal(setup: CommunitySetup, say: Say) -> dict[str, Any]:
    settings = setup.settings
    blocks = []
    for name in SETUP_FIELDS:
        element: dict[str, Any] = {"action_id": name}
        if name in CHANNELS:
            element["type"] = "conversations_select"
            element["filter"] = {"include": ["public", "private"], "exclude_bot_users": True}
            current = getattr(settings, name)
            if current:
                element["initial_conversation"] = current
        else:
            element["type"] = "plain_text_input"
            current = (
                setup.platform.get(MODERATORS, "")
                if name == MODERATORS
                else str(getattr(settings, name))
            )
            if current:
                element["initial_value"] = current
        block: dict[str, Any] = {
            "type": "input",
            "block_id": name,
            "optional": name != "support_channel",
            "label": _plain(say(f"setup.field.{name}.label")),
            "element": element,
        }
        if name == MODERATORS:
            block["hint"] = _plain(say("setup.field.moderators.hint"))
        blocks.append(block)
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": _plain(say("setup.form.title"), TITLE_LIMIT),
        "submit": _plain(say("setup.form.submit"), TITLE_LIMIT),
        "blocks": blocks,
    }


def _value(values: dict[str, Any], name: str) -> str:
    state = (values.get(name) or {}).get(name) or {}
    found = state.get("selected_conversation") if name in CHANNELS else state.get("value")
    return str(found or "").strip()


def read_setup(
    values: dict[str, Any],
    before: CommunitySetup,
    locales: tuple[str, ...],
    say: Say,
    now: datetime,
) -> tuple[CommunitySetup | None, dict[str, str]]:
    """New settings from a submitted modal, or the errors to show by field."""
    errors: dict[str, str] = {}
    changed: dict[str, Any] = {}
    if not _value(values, "support_channel"):
        errors["support_channel"] = say("setup.channel_needed")
    for name in CHANNELS:
        changed[name] = _value(values, name) or None
    changed["support_channel"] = changed["support_channel"] or ""
    for name in NUMBERS:
        raw = _value(values, name)
        if not raw:
            continue
        if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) <= MAX_PERIOD:
            errors[name] = say("setup.bad_number", value=raw)
        else:
            changed[name] = int(raw)
    emoji = _value(values, "appreciation_emoji").strip(":")
    if emoji:
        changed["appreciation_emoji"] = emoji
    locale = _value(values, "locale")
    if locale and locale not in locales:
        errors["locale"] = say("setup.bad_locale", value=locale, locales=", ".join(locales))
    elif locale:
        changed["locale"] = locale
    if errors:
        return None, errors
    settings: CommunitySettings = replace(before.settings, **changed)
    platform = {**before.platform, MODERATORS: _value(values, MODERATORS)}
    stamp = before.set_up_at or now.isoformat()
    return CommunitySetup(settings, platform, stamp), {}
