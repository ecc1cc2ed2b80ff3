"""Rebound's application commands: `/setback`, `/template`, the `/rebound` group
(adapters/discord/rebound_commands.py) and five message context menus (Discord's limit).

Command names and descriptions are registered with Discord when commands sync, before any
community's locale is known; they are the platform's chrome, not Rebound speaking, so they
live here rather than in content/.
"""

from __future__ import annotations

from typing import Any, Protocol

import discord
from discord import app_commands

from adapters.discord.rebound_commands import SetupChoice, register_rebound
from bot.api import MARK, SAVE_AS_TEMPLATE, UNMARK

SETBACK = "setback"
TEMPLATE = "template"
MARK_BEST = "Mark as best answer"
UNMARK_BEST = "Unmark best answer"
SAVE_TEMPLATE = "Save as template"
REBOUND = "rebound"


class CommandHandler(Protocol):
    async def on_setback(self, interaction: discord.Interaction, anonymous: bool) -> None: ...

    async def on_template(self, interaction: discord.Interaction, text: str) -> None: ...

    async def template_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[tuple[str, str]]: ...

    async def on_message_action(
        self, interaction: discord.Interaction, message: discord.Message, action: str
    ) -> None: ...

    async def on_setup(self, interaction: discord.Interaction, choice: SetupChoice) -> None: ...

    async def on_rebound(self, interaction: discord.Interaction, text: str) -> None: ...

    async def topic_choices(self, current: str) -> list[str]: ...


def register(tree: app_commands.CommandTree, handler: CommandHandler) -> None:
    """Add every command to `tree`; callbacks hand straight over to `handler`."""

    @app_commands.describe(anonymous="Post under a pseudonym; nobody sees your name.")
    async def post(interaction: discord.Interaction, anonymous: bool = False) -> None:
        await handler.on_setback(interaction, anonymous)

    @app_commands.describe(
        id="Which template (leave out to list them)",
        channel="email, letter, phone or chat",
        register="formal, warm, british or american",
    )
    async def template(
        interaction: discord.Interaction,
        id: str | None = None,
        channel: str | None = None,
        register: str | None = None,
    ) -> None:
        text = " ".join(part for part in (id, channel, register) if part)
        await handler.on_template(interaction, text)

    async def template_choices(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        found = await handler.template_choices(interaction, current)
        return [app_commands.Choice(name=label, value=value) for label, value in found]

    async def mark(interaction: discord.Interaction, message: discord.Message) -> None:
        await handler.on_message_action(interaction, message, MARK)

    async def unmark(interaction: discord.Interaction, message: discord.Message) -> None:
        await handler.on_message_action(interaction, message, UNMARK)

    async def save_template(interaction: discord.Interaction, message: discord.Message) -> None:
        await handler.on_message_action(interaction, message, SAVE_AS_TEMPLATE)

    tree.add_command(
        app_commands.Command(
            name=SETBACK,
            description="Share an interview setback with the community",
            callback=post,
        )
    )
    template_command: app_commands.Command[Any, ..., None] = app_commands.Command(
        name=TEMPLATE,
        description="Words you can send: thank-yous, follow-ups, scripts",
        callback=template,
    )
    template_command.autocomplete("id")(template_choices)
    tree.add_command(template_command)

    tree.add_command(app_commands.ContextMenu(name=MARK_BEST, callback=mark))
    tree.add_command(app_commands.ContextMenu(name=UNMARK_BEST, callback=unmark))
    tree.add_command(app_commands.ContextMenu(name=SAVE_TEMPLATE, callback=save_template))
    register_rebound(tree, handler)
