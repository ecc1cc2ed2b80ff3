"""A core `Message` as Block Kit: text sections, best-answer links and action buttons.

Slack refuses a section over 3,000 characters and a message over 50 blocks, so long text
is cut into sections and a message too long for one post becomes several posts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from adapters.slack.text import clip, escape, split_escaped
from bot.api import Button, Link, Message

SECTION_LIMIT = 3000
MAX_BLOCKS = 50
BUTTONS_PER_ROW = 5
BUTTON_LABEL_LIMIT = 75

Block = dict[str, Any]


@dataclass(frozen=True)
class Post:
    """One Slack message: its blocks and the plain text notifications show."""

    text: str
    blocks: list[Block]


def posts(message: Message, permalinks: Mapping[str, str]) -> list[Post]:
    """`message` as one or more Slack messages, in order; buttons end the last one."""
    blocks = [
        *(section(piece) for piece in split_escaped(message.text, SECTION_LIMIT)),
        *(section(piece) for piece in _link_lines(message.links, permalinks)),
        *_button_rows(message.buttons),
    ]
    pages = [blocks[start : start + MAX_BLOCKS] for start in range(0, len(blocks), MAX_BLOCKS)]
    return [Post(_notification_text(page), page) for page in pages or [[]]]


def single_post(message: Message, permalinks: Mapping[str, str]) -> Post:
    """`message` as one Slack message (an edit replaces exactly one): the first page."""
    return posts(message, permalinks)[0]


def section(mrkdwn: str) -> Block:
    # verbatim: Slack must not turn bare names, channels or URLs into links or mentions.
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn, "verbatim": True}}


def _link_lines(links: tuple[Link, ...], permalinks: Mapping[str, str]) -> list[str]:
    lines = []
    for link in links:
        label = escape(link.label).replace("|", "¦")
        url = permalinks.get(link.message_ref)
        lines.append(f"• <{url}|{label}>" if url else f"• {label}")
    return split_escaped_lines(lines)


def split_escaped_lines(lines: list[str]) -> list[str]:
    """Already escaped lines joined into sections of at most SECTION_LIMIT characters."""
    sections: list[str] = []
    for line in lines:
        fitted = line[:SECTION_LIMIT]
        if sections and len(sections[-1]) + 1 + len(fitted) <= SECTION_LIMIT:
            sections[-1] = f"{sections[-1]}\n{fitted}"
        else:
            sections.append(fitted)
    return sections


def _button_rows(buttons: tuple[Button, ...]) -> list[Block]:
    return [
        {
            "type": "actions",
            "elements": [_button(b) for b in buttons[start : start + BUTTONS_PER_ROW]],
        }
        for start in range(0, len(buttons), BUTTONS_PER_ROW)
    ]


def _button(button: Button) -> Block:
    element: Block = {
        "type": "button",
        "action_id": button.action_id,
        "value": button.action_id,
        "text": {"type": "plain_text", "text": clip(button.label, BUTTON_LABEL_LIMIT)},
    }
    if button.style != "default":
        element["style"] = button.style
    return element


def _notification_text(blocks: list[Block]) -> str:
    """The first section's text: what Slack shows in notifications and old clients."""
    for block in blocks:
        if block["type"] == "section":
            text: str = block["text"]["text"]
            return text
    return ""
