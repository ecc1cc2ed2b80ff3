"""The page an installer lands on when an install from the link did not finish.

Slack sends the installer back to /slack/oauth_redirect with `error` when they cancelled
or when the workspace requires admins to approve apps (`access_denied`, the request then
waits for an admin); bolt's flow refuses a state that is forged, expired, already used or
another browser's. Each gets a page saying in plain words what happened and how to try
again, with the status bolt suggests; nothing is installed.
"""

from __future__ import annotations

import logging
from html import escape

from slack_bolt.oauth.async_callback_options import (
    AsyncCallbackOptions,
    AsyncFailureArgs,
    AsyncSuccessArgs,
)
from slack_bolt.response import BoltResponse

log = logging.getLogger(__name__)

# bolt's reasons for a state it refused, or a callback without a code.
STALE = frozenset({"invalid_state", "invalid_browser", "missing_code"})

NOT_FINISHED = (
    "Rebound was not installed: the installation did not finish.",
    "If your workspace requires admins to approve apps, your request has gone to them, "
    "and Rebound is installed once an admin approves it. You can also ask a workspace "
    "admin to install Rebound.",
    "If you cancelled, you can install again whenever you like.",
)
STALE_LINK = (
    "Rebound was not installed: this install link has expired or was already used.",
    "Install links work once, for ten minutes, in the browser that opened them.",
)
SLACK_FAILED = (
    "Rebound was not installed: Slack did not complete the installation.",
    "Nothing was changed in your workspace.",
)


def page(paragraphs: tuple[str, ...], install_link: str) -> str:
    link = escape(install_link, quote=True)
    body = "".join(f"<p>{escape(text)}</p>" for text in paragraphs)
    again = f'<p>To try again, open <a href="{link}">{escape(install_link)}</a>.</p>'
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        "<title>Rebound was not installed</title></head>"
        f"<body><h1>Rebound was not installed</h1>{body}{again}</body></html>"
    )


def words_for(reason: str) -> tuple[str, ...]:
    if reason in STALE:
        return STALE_LINK
    if reason in {"invalid_code", "storage_error"}:
        return SLACK_FAILED
    return NOT_FINISHED  # Slack's own `error`: access_denied and the like


def callback_options(install_link: str) -> AsyncCallbackOptions:
    """bolt's success page, and Rebound's page for every failure."""

    async def failure(args: AsyncFailureArgs) -> BoltResponse:
        log.info("an install from the link did not finish (%s)", args.reason)
        return BoltResponse(
            status=args.suggested_status_code,
            headers={
                "Content-Type": "text/html; charset=utf-8",
                "Set-Cookie": args.settings.state_utils.build_set_cookie_for_deletion(),
            },
            body=page(words_for(args.reason), install_link),
        )

    async def success(args: AsyncSuccessArgs) -> BoltResponse:
        return await args.default.success(args)

    return AsyncCallbackOptions(success=success, failure=failure)
