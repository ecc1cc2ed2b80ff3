"""A core `Message` in Discord's form: content split at 2,000 characters, and a view.

Words are the core's. A message the bot posts for someone (an anonymous poster) starts
with that name in bold on a line of its own: it shows in forum previews, notifications and
search, and unlike an embed author it reads the same on every client. Best-answer links
become link buttons (they jump to the message); action buttons are persistent
(`ActionButton`), so a click after a restart still works.
"""

from __future__ import annotations

from typing import Any

import discord

from adapters.discord.buttons import ActionButton
from adapters.discord.refs import jump_url
from bot.api import Button, Message

CONTENT_MAX = 2000
BUTTON_LABEL_MAX = 80
COMPONENTS_MAX = 25  # five rows of five

_STYLES = {
    "default": discord.ButtonStyle.secondary,
    "primary": discord.ButtonStyle.primary,
    "danger": discord.ButtonStyle.danger,
}

NO_PINGS = discord.AllowedMentions.none()
"""Everything Rebound posts: relayed text never pings anyone, not even a reply's author."""


def full_text(message: Message) -> str:
    if message.author is None:
        return message.text
    return f"**{discord.utils.escape_markdown(message.author)}**\n{message.text}"


def split_text(text: str, limit: int = CONTENT_MAX) -> list[str]:
    """Pieces of at most `limit` characters, cut at a paragraph, line or word where possible."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"), window.rfind(" "))
        if cut < limit // 2:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    pieces.append(rest)
    return pieces


def label(text: str) -> str:
    return text if len(text) <= BUTTON_LABEL_MAX else text[: BUTTON_LABEL_MAX - 1] + "…"


def action_button(button: Button) -> ActionButton:
    return ActionButton(
        discord.ui.Button(
            label=label(button.label), custom_id=button.action_id, style=_STYLES[button.style]
        )
    )


def view_of(message: Message, guild_id: int) -> discord.ui.View | None:
    """Action buttons, then jump links; None when the message has neither."""
    if not message.buttons and not message.links:
        return None
    view = discord.ui.View(timeout=None)
    items: list[discord.ui.Item[Any]] = [action_button(b) for b in message.buttons]
    items += [
        discord.ui.Button(label=label(link.label), url=jump_url(guild_id, link.message_ref))
        for link in message.links
    ]
    for item in items[:COMPONENTS_MAX]:
        view.add_item(item)
    return view


def parts(message: Message, guild_id: int) -> list[tuple[str, discord.ui.View | None]]:
    """Each piece of text with its view; the buttons go with the last piece."""
    texts = split_text(full_text(message))
    view = view_of(message, guild_id)
    return [(text, view if n == len(texts) - 1 else None) for n, text in enumerate(texts)]
