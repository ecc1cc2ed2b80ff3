"""Helpers shared by the care tests: find a button among intents, press it as a member,
read a corpus of the crisis screen."""

from __future__ import annotations

from pathlib import Path

from bot.contract.events import ButtonPressed
from bot.contract.intents import Intent, Notice, Send
from bot.domain.model import Member
from tests.support import COMMUNITY, Harness


def button(intents: list[Intent], prefix: str) -> str:
    """The action id of the first button starting with `prefix` in messages or notices."""
    return next(
        b.action_id
        for i in intents
        if isinstance(i, Notice | Send)
        for b in i.message.buttons
        if b.action_id.startswith(prefix)
    )


async def press(h: Harness, who: Member, action: str, event_id: str | None = None) -> list[Intent]:
    event = ButtonPressed(
        community_id=COMMUNITY,
        event_id=event_id or h.next_event_id(),
        actor=who,
        action_id=action,
    )
    return await h.send(event)


CORPUS = Path(__file__).parent / "corpus"


def corpus_lines(name: str) -> list[str]:
    """The lines of a corpus file, without blank lines and comments."""
    text = (CORPUS / name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
