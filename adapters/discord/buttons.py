"""One persistent button for every Rebound action id (`rb:...`).

Registered once in `setup_hook`, it matches any component id by its template, so buttons
on messages sent before a restart still reach the core.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import discord

from bot.api import log_failure

if TYPE_CHECKING:
    from adapters.discord.client import ReboundClient

log = logging.getLogger(__name__)

ACTION_TEMPLATE = re.compile(r"(?P<action_id>rb:[^\s]{1,97})")


class ActionButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=ACTION_TEMPLATE):
    def __init__(self, button: discord.ui.Button[Any]) -> None:
        super().__init__(button)

    @property
    def action_id(self) -> str:
        return self.item.custom_id or ""

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ActionButton:
        if not isinstance(item, discord.ui.Button):
            raise TypeError("Rebound's action ids only ever name buttons")
        return cls(item)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        client: ReboundClient = interaction.client
        try:
            await client.bridge.on_action_button(interaction, self.action_id)
        except Exception as failure:
            # discord.py's own handler here logs the exception's message (members' words).
            log_failure(log, "discord button", failure)
