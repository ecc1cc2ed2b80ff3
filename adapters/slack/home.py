"""The App Home tab: the member's page from the core, laid out as Block Kit."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.blocks import Block, section, split_escaped_lines
from adapters.slack.text import clip, escape
from adapters.slack.web import API_FAILURES
from bot.api import HomePage, Member, Rebound, home_page

log = logging.getLogger(__name__)

HEADER_LIMIT = 150


class HomeTab:
    def __init__(self, core: Rebound, client: AsyncWebClient) -> None:
        self._core = core
        self._client = client

    async def publish(self, community_id: str, member: Member, below: Sequence[Block] = ()) -> None:
        """The member's page, with `below` under it (the setup, for who may set up)."""
        page = await home_page(self._core, community_id, member)
        view = home_view(page)
        view["blocks"].extend(below)
        try:
            await self._client.views_publish(user_id=member.user_id, view=view)
        except API_FAILURES as failure:
            # The next visit publishes it again; nothing is lost.
            log.warning("views.publish failed (%s)", type(failure).__name__)


def home_view(page: HomePage) -> dict[str, Any]:
    blocks: list[Block] = [_header(page.heading)]
    for part in page.sections:
        blocks.append(_header(part.heading))
        lines = [f"• {escape(line)}" for line in part.lines]
        blocks.extend(section(text) for text in split_escaped_lines(lines))
    blocks.extend([{"type": "divider"}, section(escape(page.footer))])
    return {"type": "home", "blocks": blocks}


def _header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": clip(text, HEADER_LIMIT)}}
