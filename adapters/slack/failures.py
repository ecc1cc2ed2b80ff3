"""Slack's failures as the core's: transient ones are retried, permanent ones given up.

Only the error code travels (never Slack's message, which can quote what was sent).
"""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

from bot.api import DeliveryFailed, FailureKind

# Refusals no retry can fix: the place is gone or closed to the bot, or the message is
# one Slack will never take.
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "is_archived",
        "not_in_channel",
        "invalid_blocks",
        "msg_too_long",
        "cannot_dm_bot",
        "user_not_found",
        "account_inactive",
    }
)
RATE_LIMITED = 429
SERVER_ERROR = 500


def classify(failure: Exception) -> DeliveryFailed:
    """A 429 or a refusal Slack answered made nothing; a 5xx, a timeout or a dropped
    connection may have (`answered=False`), so the retry looks before it posts."""
    if not isinstance(failure, SlackApiError):
        return DeliveryFailed(type(failure).__name__, FailureKind.TRANSIENT, answered=False)
    status = failure.response.status_code
    code = str(failure.response.get("error") or f"http_{status}")
    if status == RATE_LIMITED:
        return DeliveryFailed(code, FailureKind.TRANSIENT)
    if status >= SERVER_ERROR:
        return DeliveryFailed(code, FailureKind.TRANSIENT, answered=False)
    kind = FailureKind.PERMANENT if code in PERMANENT_ERRORS else FailureKind.TRANSIENT
    return DeliveryFailed(code, kind)
