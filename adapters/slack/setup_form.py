"""The setup fields, as the modal (`/rebound setup`) and the App Home show them: built
from a community's settings, read back into new settings or friendly errors by field.
Pure: no Slack calls."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from adapters.slack.text import clip
from bot.api import SETUP_FIELDS, CommunitySettings, CommunitySetup, Rebound

CALLBACK_ID = "rebound_setup"
SAVE_FROM_HOME = "rebound_setup_save"  # the App Home's Save button (not the core's rb:)
MODERATORS = "moderators"
CHANNELS = ("support_channel", "helpers_channel")
NUMBERS = ("nudge_after_hours", "reminder_quiet_hours", "outcome_after_days", "close_after_days")
TEXTS = ("appreciation_emoji", "locale")
TITLE_LIMIT = 24
HEADER_LIMIT = 150
SECTION_LIMIT = 3000
MAX_PERIOD = 10_000  # hours or days; anything longer is a typo
Say = Any  # (key, **params) -> str


@dataclass(frozen=True)
class Markup:
    """Rebound's own link to a channel or a member (`<#C0123>`, `<@U0123>`), passed to the
    words as is: it holds ids Slack gave, never a member's words, which the words make
    safe (a link among them would come out spelled out)."""

    text: str

    def __str__(self) -> str:
        return self.text


def channel_link(channel: str) -> Markup:
    return Markup(f"<#{channel}>")


def sayer(core: Rebound, community: str) -> Say:
    """The community's words, one key at a time."""

    def say(key: str, **params: object) -> str:
        return core.say(community, key, **params)

    return say


def _plain(text: str, limit: int = 2000) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit)}


def setup_blocks(setup: CommunitySetup, say: Say) -> list[dict[str, Any]]:
    """One input block a field, holding the community's current value."""
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
    return blocks


def setup_modal(setup: CommunitySetup, say: Say) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": _plain(say("setup.form.title"), TITLE_LIMIT),
        "submit": _plain(say("setup.form.submit"), TITLE_LIMIT),
        "blocks": setup_blocks(setup, say),
    }


def home_setup_blocks(
    setup: CommunitySetup, say: Say, notes: list[str], errors: dict[str, str]
) -> list[dict[str, Any]]:
    """The App Home's setup part: a heading, what the last save said (or its errors by
    field), the fields, and Save. A home tab has no submit: Save is a button whose click
    carries the fields' state."""
    blocks: list[dict[str, Any]] = [
        {"type": "divider"},
        {"type": "header", "text": _plain(say("setup.form.title"), HEADER_LIMIT)},
        {"type": "context", "elements": [_plain(say("setup.home.who"))]},
    ]
    told = [*notes, *(f"{say(f'setup.field.{name}.label')}: {e}" for name, e in errors.items())]
    if told:
        blocks.append({"type": "section", "text": _plain("\n".join(told), SECTION_LIMIT)})
    blocks.extend(setup_blocks(setup, say))
    save = {
        "type": "button",
        "action_id": SAVE_FROM_HOME,
        "style": "primary",
        "text": _plain(say("setup.form.submit"), TITLE_LIMIT),
    }
    blocks.append({"type": "actions", "block_id": SAVE_FROM_HOME, "elements": [save]})
    return blocks


def not_set_up_text(say: Say, installer: str | None) -> str:
    """What a member of a workspace never set up is told, naming who can set it up."""
    who = (
        say("setup.who.installer", installer=Markup(f"<@{installer}>"))
        if installer
        else say("setup.who.admins")
    )
    return str(say("setup.not_set_up", who=Markup(who)))  # Rebound's words, made safe


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
