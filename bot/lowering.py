"""Graceful degradation: rewrite intents a platform cannot show into ones it can."""

from __future__ import annotations

from collections.abc import Iterable

from bot.intents import CloseThread, DirectTo, Intent, Notice, Send, SetThreadTags
from bot.ports import Capabilities


def _lower_one(intent: Intent, capabilities: Capabilities) -> Intent | None:
    if isinstance(intent, SetThreadTags) and not capabilities.tags:
        return None  # the status message already carries the same words
    if isinstance(intent, CloseThread) and not capabilities.threads:
        return None
    if isinstance(intent, Notice) and not capabilities.ephemeral:
        if not capabilities.direct_messages:
            return None
        return Send(target=DirectTo(user_id=intent.user_id), message=intent.message)
    return intent


def lower(intents: Iterable[Intent], capabilities: Capabilities) -> list[Intent]:
    """Intents the platform can show, in the same order."""
    lowered = (_lower_one(intent, capabilities) for intent in intents)
    return [intent for intent in lowered if intent is not None]
