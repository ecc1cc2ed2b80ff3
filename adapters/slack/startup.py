"""Start-up calls to Slack: a refused token stops the process with a clear message; a
transient failure (5xx, 429, a timeout, a connection that fails) is retried with back-off,
and the log says which failure it was."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from slack_sdk.errors import SlackApiError

from adapters.slack.web import API_FAILURES

log = logging.getLogger(__name__)

T = TypeVar("T")

# Slack's answers that mean the token itself is wrong, revoked or of the wrong kind.
REFUSED_TOKEN_ERRORS = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "not_allowed_token_type",
    }
)
SERVER_ERROR = 500
RATE_LIMITED = 429


class TokenRefused(Exception):
    """Slack refused a token: retrying cannot help."""

    def __init__(self, setting: str, error: str) -> None:
        kind = "app token" if setting == "SLACK_APP_TOKEN" else "bot token"
        super().__init__(f"Slack did not accept the {kind} ({setting}): {error}")


class SlackUnreachable(Exception):
    """Slack kept failing (or could not be reached) through every start-up try."""

    def __init__(self, what: str, failure: str, tries: int) -> None:
        super().__init__(f"{what} failed {tries} times; the last failure: {failure}")


def _transient(failure: Exception, setting: str) -> str:
    """What went wrong, for the log; raises TokenRefused when retrying cannot help."""
    if isinstance(failure, SlackApiError):
        status = failure.response.status_code
        error = str(failure.response.get("error", "") or "")
        if error in REFUSED_TOKEN_ERRORS or (status < SERVER_ERROR and status != RATE_LIMITED):
            raise TokenRefused(setting, error or f"HTTP {status}") from None
        return f"HTTP {status} {error}".strip()
    return type(failure).__name__


async def with_retries(
    call: Callable[[], Awaitable[T]], what: str, setting: str, tries: int, first_delay_s: float
) -> T:
    """`call()`, retried after `first_delay_s`, then twice as long each time, `tries` in all."""
    delay = first_delay_s
    for attempt in range(1, tries + 1):
        try:
            return await call()
        except API_FAILURES as failure:
            reason = _transient(failure, setting)
        if attempt == tries:
            raise SlackUnreachable(what, reason, tries)
        log.warning(
            "%s failed (%s); retrying in %.1f s (try %d of %d)", what, reason, delay, attempt, tries
        )
        await asyncio.sleep(delay)
        delay *= 2
    raise AssertionError("unreachable")  # pragma: no cover
