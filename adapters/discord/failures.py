"""Discord's failures as the core's: transient ones are retried, permanent ones given up.

Only the status and Discord's error code travel (its message can quote what was sent).
Closed DMs (50007) stay transient: the outbox keeps the message and the member's next
interaction shows it (bot/engine/held_messages.py).
"""

from __future__ import annotations

import discord

from bot.api import DeliveryFailed, FailureKind

# Unknown channel, missing access, missing permissions: no retry can fix these.
PERMANENT_CODES = frozenset({10003, 50001, 50013})
RATE_LIMITED = 429
SERVER_ERROR = 500


def classify(failure: Exception) -> DeliveryFailed:
    """A 429 or a refusal Discord answered made nothing; a 5xx, a timeout or a dropped
    connection may have (`answered=False`), so the retry looks before it sends."""
    if not isinstance(failure, discord.HTTPException):
        return DeliveryFailed(type(failure).__name__, FailureKind.TRANSIENT, answered=False)
    code = str(failure.code) if failure.code else f"http_{failure.status}"
    if failure.status >= SERVER_ERROR:
        return DeliveryFailed(code, FailureKind.TRANSIENT, answered=False)
    if failure.status != RATE_LIMITED and failure.code in PERMANENT_CODES:
        return DeliveryFailed(code, FailureKind.PERMANENT)
    return DeliveryFailed(code, FailureKind.TRANSIENT)
