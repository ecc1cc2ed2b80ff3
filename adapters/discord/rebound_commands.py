"""The one `/rebound` command group and the *Feature in library* and *Hide or unhide reply*
context menus. Members: the library, their posts, their data and choices; moderators: the
audit view, lock, reopen, retag, notes, topics, reveal; a server's manager: setup. Each
subcommand but setup hands the core the same words Slack's `/rebound <subcommand> ...` and
the console's `/cmd rebound` do; a post left out is the thread the command was used in.
Setup stays in the adapter (it picks Discord channels and roles) and checks the member may
manage the server: one group cannot limit a single subcommand to managers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands

from bot.api import FEATURE_ANSWER, HIDE_REPLY

if TYPE_CHECKING:
    from adapters.discord.commands import CommandHandler

REBOUND = "rebound"
FEATURE = "Feature in library"


@dataclass(frozen=True)
class SetupChoice:
    """What a server's manager picked in `/rebound setup`."""

    forum: discord.ForumChannel
    helpers: discord.TextChannel | None = None
    moderators: discord.Role | None = None


HIDE = "Hide or unhide reply"


def _here(interaction: discord.Interaction, post: str | None) -> str:
    """The post named, or the thread the command was used in."""
    return (post or "").strip() or str(interaction.channel_id or "")


def register_rebound(tree: app_commands.CommandTree, handler: CommandHandler) -> None:
    group = app_commands.Group(
        name=REBOUND,
        description="The library, your data and choices; moderators' tools",
        guild_only=True,
    )

    async def run(interaction: discord.Interaction, *words: str) -> None:
        await handler.on_rebound(interaction, " ".join(w for w in words if w))

    async def topics(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        found = await handler.topic_choices(current)
        return [app_commands.Choice(name=topic, value=topic) for topic in found]

    @group.command(name="library", description="Answers that helped others, by words or topic")
    @app_commands.describe(words="Words to look for, or a topic")
    @app_commands.autocomplete(words=topics)
    async def library(interaction: discord.Interaction, words: str = "") -> None:
        await run(interaction, "library", words)

    @group.command(name="mine", description="Your posts, their state and the asks to come")
    async def mine(interaction: discord.Interaction) -> None:
        await run(interaction, "mine")

    @group.command(name="open", description="Posts still waiting for a first reply")
    async def waiting(interaction: discord.Interaction) -> None:
        await run(interaction, "open")

    @group.command(name="suggestions", description="Similar setbacks after you post: on or off")
    async def suggestions(interaction: discord.Interaction, show: Literal["on", "off"]) -> None:
        await run(interaction, "suggestions", show)

    @group.command(name="audit", description="Moderators: the latest moderator actions")
    @app_commands.describe(post="A post's number or thread", member="Actions by or on a member")
    async def audit(
        interaction: discord.Interaction,
        post: str | None = None,
        member: discord.User | None = None,
    ) -> None:
        target = f"<@{member.id}>" if member is not None else (post or "")
        await run(interaction, "audit", target)

    @group.command(name="lock", description="Moderators: lock a post; it takes no replies")
    async def lock(interaction: discord.Interaction, reason: str, post: str | None = None) -> None:
        await run(interaction, "lock", _here(interaction, post), reason)

    @group.command(name="reopen", description="Moderators: reopen a locked or closed post")
    async def reopen(interaction: discord.Interaction, post: str | None = None) -> None:
        await run(interaction, "reopen", _here(interaction, post))

    @group.command(name="retag", description="Moderators: replace a post's tags")
    async def retag(interaction: discord.Interaction, tags: str, post: str | None = None) -> None:
        await run(interaction, "retag", _here(interaction, post), tags)

    @group.command(name="note", description="Moderators: a note in the post's thread")
    async def note(interaction: discord.Interaction, note: str, post: str | None = None) -> None:
        await run(interaction, "note", _here(interaction, post), note)

    @group.command(name="topic", description="Moderators: add a library topic")
    async def topic(interaction: discord.Interaction, name: str) -> None:
        await run(interaction, "topic", name)

    @group.command(name="my-data", description="A file with everything Rebound keeps about you")
    async def my_data(interaction: discord.Interaction) -> None:
        await run(interaction, "my-data")

    @group.command(name="forget-me", description="Remove your words and settings from Rebound")
    async def forget_me(interaction: discord.Interaction) -> None:
        await run(interaction, "forget-me")

    @group.command(name="settings", description="Whether Rebound may send you direct messages")
    async def settings(interaction: discord.Interaction) -> None:
        await run(interaction, "settings")

    @group.command(name="reveal", description="Moderators: who wrote an anonymous post")
    @app_commands.describe(post="The post's number", reason="Why it must be revealed")
    async def reveal(interaction: discord.Interaction, post: str, reason: str) -> None:
        await run(interaction, "reveal", post, reason)

    @group.command(name="setup", description="Choose Rebound's forum, helpers and moderators")
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

    async def feature(interaction: discord.Interaction, message: discord.Message) -> None:
        await handler.on_message_action(interaction, message, FEATURE_ANSWER)

    async def hide(interaction: discord.Interaction, message: discord.Message) -> None:
        await handler.on_message_action(interaction, message, HIDE_REPLY)

    tree.add_command(group)
    tree.add_command(app_commands.ContextMenu(name=FEATURE, callback=feature))
    tree.add_command(app_commands.ContextMenu(name=HIDE, callback=hide))
