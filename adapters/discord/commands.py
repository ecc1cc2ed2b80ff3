"""Rebound's application commands: `/setback`, `/template`, `/rebound` and three message
context menus.

Command names and descriptions are registered with Discord when commands sync, before any
community's locale is known; they are the platform's chrome, not Rebound speaking, so they
live here rather than in content/.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import discord
from discord import app_commands

from bot.api import MARK, SAVE_AS_TEMPLATE, UNMARK

SETBACK = "setback"
TEMPLATE = "template"
REBOUND = "rebound"
REBOUND_CHOICES = ("my-data", "forget-me", "settings", "mine", "reveal")
MARK_BEST = "Mark as best answer"
UNMARK_BEST = "Unmark best answer"
SAVE_TEMPLATE = "Save as template"
REBOUND = "rebound"
SETUP = "setup"


@dataclass(frozen=True)
class SetupChoice:
    """What a server's manager picked in `/rebound setup`."""

    forum: discord.ForumChannel
    helpers: discord.TextChannel | None = None
    moderators: discord.Role | None = None


class CommandHandler(Protocol):
    async def on_setback(self, interaction: discord.Interaction, anonymous: bool) -> None: ...

    async def on_template(self, interaction: discord.Interaction, text: str) -> None: ...

    async def template_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[tuple[str, str]]: ...

    async def on_rebound(self, interaction: discord.Interaction, what: str) -> None: ...

    async def on_message_action(
        self, interaction: discord.Interaction, message: discord.Message, action: str
    ) -> None: ...

    async def on_setup(self, interaction: discord.Interaction, choice: SetupChoice) -> None: ...


def register(tree: app_commands.CommandTree, handler: CommandHandler) -> None:
    """Add every command to `tree`; callbacks hand straight over to `handler`."""

    @app_commands.describe(anonymous="Post under a pseudonym; nobody sees your name.")
    async def setback(interaction: discord.Interaction, anonymous: bool = False) -> None:
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
            callback=setback,
        )
    )
    template_command: app_commands.Command[Any, ..., None] = app_commands.Command(
        name=TEMPLATE,
        description="Words you can send: thank-yous, follow-ups, scripts",
        callback=template,
    )
    template_command.autocomplete("id")(template_choices)
    tree.add_command(template_command)

    @app_commands.describe(
        what="my-data, forget-me, settings, mine (moderators: reveal)",
        detail="reveal: the post number and your reason",
    )
    @app_commands.choices(what=[app_commands.Choice(name=c, value=c) for c in REBOUND_CHOICES])
    async def rebound(interaction: discord.Interaction, what: str, detail: str = "") -> None:
        await handler.on_rebound(interaction, f"{what} {detail}".strip())

    tree.add_command(
        app_commands.Command(
            name=REBOUND, description="Your data and choices in Rebound", callback=rebound
        )
    )
    tree.add_command(app_commands.ContextMenu(name=MARK_BEST, callback=mark))
    tree.add_command(app_commands.ContextMenu(name=UNMARK_BEST, callback=unmark))
    tree.add_command(app_commands.ContextMenu(name=SAVE_TEMPLATE, callback=save_template))
    tree.add_command(_rebound_group(handler))


def _rebound_group(handler: CommandHandler) -> app_commands.Group:
    """`/rebound setup`: for members who may manage the server (Discord hides it from the
    rest; the handler checks again)."""

    @app_commands.describe(
        forum="The forum where members share setbacks",
        helpers="Where helpers hear about unanswered posts",
        moderators="Members with this role may mark best answers and save templates",
    )
    async def setup(
        interaction: discord.Interaction,
        forum: discord.ForumChannel,
        helpers: discord.TextChannel | None = None,
        moderators: discord.Role | None = None,
    ) -> None:
        await handler.on_setup(interaction, SetupChoice(forum, helpers, moderators))

    group = app_commands.Group(
        name=REBOUND,
        description="Set Rebound up in this server",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )
    group.add_command(
        app_commands.Command(
            name=SETUP, description="Choose Rebound's forum, helpers and moderators", callback=setup
        )
    )
    return group
