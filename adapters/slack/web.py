"""The Web API client: slack-sdk's, pointed at `SLACK_API_URL`, retrying 429s after Retry-After."""

from __future__ import annotations

import asyncio

import aiohttp
from slack_sdk.errors import SlackClientError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from adapters.identity import user_agent

RATE_LIMIT_RETRIES = 2
TIMEOUT_S = 10

# What a Web API call may raise when Slack refuses, fails or cannot be reached.
API_FAILURES = (SlackClientError, aiohttp.ClientError, asyncio.TimeoutError)


def web_client(
    token: str | None, base_url: str, session: aiohttp.ClientSession | None = None
) -> AsyncWebClient:
    """A client that sleeps for Slack's Retry-After (never less) before retrying a 429.

    With `session`, calls reuse its connections instead of opening one per call. Calls say
    which Rebound made them: `Rebound/<version>` after slack-sdk's own User-Agent.
    """
    return AsyncWebClient(
        token=token,
        base_url=base_url,
        session=session,
        timeout=TIMEOUT_S,
        user_agent_suffix=user_agent(),
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(),
            AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
        ],
    )
