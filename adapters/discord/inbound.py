"""Gateway events as core events (pure: reads discord.py objects, does no I/O).

Event ids make redelivery harmless: a message's id for its creation (a forum post's
starter message and the thread's creation share it, so whichever comes first adopts
the post and the other is a redelivery; catching up after downtime uses it too), the id
and edit time for an edit, the message id for a deletion, the thread id for a thread's
deletion, and for a reaction the id `ReactionTurns` gives it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import discord

from adapters.discord.members import member_of
from adapters.discord.refs import message_ref
from bot.api import (
    CommunityId,
    DirectMessageReceived,
    InboundEvent,
    Member,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
)

SOMEONE = Member(user_id="unknown", display_name="")
"""The actor of a deletion Discord does not attribute (the core does not need one)."""


PLATFORM = "discord"


def guild_community_id(guild_id: int) -> CommunityId:
    return CommunityId.of(PLATFORM, str(guild_id))


def guild_of(community_id: str) -> int | None:
    """The guild of a Discord community id; None for another platform's."""
    platform, _, guild = community_id.partition(":")
    return int(guild) if platform == PLATFORM and guild.isdigit() else None


@dataclass(frozen=True)
class Community:
    """The guild Rebound serves and where its posts live."""

    guild_id: int
    forum_id: int
    moderator_role_id: int | None = None

    @property
    def community_id(self) -> CommunityId:
        return guild_community_id(self.guild_id)

    def member(self, user: discord.User | discord.Member) -> Member:
        return member_of(user, self.moderator_role_id)

    def is_post(self, channel: object) -> bool:
        return isinstance(channel, discord.Thread) and channel.parent_id == self.forum_id

    def in_scope(self, guild_id: int | None, channel: object) -> bool:
        """Ours: in the guild, and in a forum post or a channel not in the cache (a post
        archived before a restart); the core ignores messages it does not know."""
        return guild_id == self.guild_id and (channel is None or self.is_post(channel))


def post_text(thread_name: str, content: str) -> str:
    """A forum post a member made, as the core reads it: its name, then its first message."""
    return f"{thread_name}\n{content}".strip()


def adoption(
    community: Community, thread: discord.Thread, starter: discord.Message
) -> MessagePosted:
    """A forum post a member made: its name and first message are the setback."""
    text = post_text(thread.name, starter.content)
    return MessagePosted(
        community_id=community.community_id,
        event_id=f"message:{thread.id}",
        actor=community.member(starter.author),
        channel_id=str(community.forum_id),
        message_ref=str(thread.id),
        thread_ref=str(thread.id),
        text=text,
    )


def from_message(community: Community, message: discord.Message) -> InboundEvent | None:
    if message.author.bot or message.type not in (
        discord.MessageType.default,
        discord.MessageType.reply,
    ):
        return None
    base = {"community_id": community.community_id, "event_id": f"message:{message.id}"}
    if isinstance(message.channel, discord.DMChannel):
        return DirectMessageReceived(
            **base, actor=community.member(message.author), text=message.content
        )
    channel = message.channel
    if (
        message.guild is None
        or message.guild.id != community.guild_id
        or not community.is_post(channel)
    ):
        return None
    assert isinstance(channel, discord.Thread)
    if message.id == channel.id:
        return adoption(community, channel, message)
    return MessagePosted(
        **base,
        actor=community.member(message.author),
        channel_id=str(community.forum_id),
        message_ref=message_ref(channel.id, message.id),
        thread_ref=str(channel.id),
        text=message.content,
    )


def from_edit(community: Community, payload: discord.RawMessageUpdateEvent) -> MessageEdited | None:
    message = payload.message
    channel = _cached(message.channel)
    if message.author.bot or not community.in_scope(payload.guild_id, channel):
        return None
    stamp = payload.data.get("edited_timestamp") or ""
    text = message.content
    if payload.message_id == payload.channel_id and isinstance(channel, discord.Thread):
        text = post_text(channel.name, text)  # a post's first message: read as adopted
    return MessageEdited(
        community_id=community.community_id,
        event_id=f"edit:{payload.message_id}:{stamp}",
        actor=community.member(message.author),
        message_ref=message_ref(payload.channel_id, payload.message_id),
        text=text,
        thread_ref=_thread_of(payload.channel_id, payload.message_id),
    )


def from_rename(
    community: Community, thread: discord.Thread, starter: discord.Message
) -> MessageEdited | None:
    """A member's forum post renamed: its title is its name, so the post is edited. The
    event id names the new name by a digest (event ids are logged; names are members' words)."""
    if starter.author.bot or not community.is_post(thread):
        return None
    digest = hashlib.sha256(thread.name.encode(errors="surrogatepass")).hexdigest()[:16]
    return MessageEdited(
        community_id=community.community_id,
        event_id=f"rename:{thread.id}:{digest}",
        actor=community.member(starter.author),
        message_ref=str(thread.id),
        text=post_text(thread.name, starter.content),
    )


def from_delete(
    community: Community, payload: discord.RawMessageDeleteEvent, channel: object
) -> MessageDeleted | None:
    return deletion(community, payload.guild_id, payload.channel_id, payload.message_id, channel)


def from_bulk_delete(
    community: Community, payload: discord.RawBulkMessageDeleteEvent, channel: object
) -> list[MessageDeleted]:
    """A moderator's purge: each message deleted, as if one by one."""
    found = (
        deletion(community, payload.guild_id, payload.channel_id, message_id, channel)
        for message_id in sorted(payload.message_ids)
    )
    return [event for event in found if event is not None]


def deletion(
    community: Community, guild_id: int | None, channel_id: int, message_id: int, channel: object
) -> MessageDeleted | None:
    if not community.in_scope(guild_id, channel):
        return None
    return MessageDeleted(
        community_id=community.community_id,
        event_id=f"delete:{message_id}",
        actor=SOMEONE,
        message_ref=message_ref(channel_id, message_id),
        thread_ref=_thread_of(channel_id, message_id),
    )


def thread_deletion(
    community: Community, payload: discord.RawThreadDeleteEvent
) -> MessageDeleted | None:
    """A forum post deleted whole: its post is withdrawn, and nothing is sent to it."""
    if payload.guild_id != community.guild_id or payload.parent_id != community.forum_id:
        return None
    return MessageDeleted(
        community_id=community.community_id,
        event_id=f"thread-delete:{payload.thread_id}",
        actor=SOMEONE,
        message_ref=str(payload.thread_id),
        thread_gone=True,
    )


def _thread_of(channel_id: int, message_id: int) -> str | None:
    """The thread a message is a reply in (None for a post's starter, the thread itself)."""
    return None if channel_id == message_id else str(channel_id)


def emoji_name(emoji: discord.PartialEmoji) -> str:
    """A standard emoji as itself, a server's own by its name (as settings name it)."""
    return emoji.name or "" if emoji.is_custom_emoji() else str(emoji)


def from_reaction(
    community: Community,
    payload: discord.RawReactionActionEvent,
    channel: object,
    user: discord.User | discord.Member | None,
    event_id: str,
) -> ReactionAdded | ReactionRemoved | None:
    if not community.in_scope(payload.guild_id, channel):
        return None
    if user is not None and user.bot:
        return None
    added = payload.event_type == "REACTION_ADD"
    emoji = emoji_name(payload.emoji)
    actor = (
        community.member(user)
        if user is not None
        else Member(user_id=str(payload.user_id), display_name="")
    )
    kind = ReactionAdded if added else ReactionRemoved
    return kind(
        community_id=community.community_id,
        event_id=event_id,
        actor=actor,
        message_ref=message_ref(payload.channel_id, payload.message_id),
        emoji=emoji,
    )


def _cached(channel: object) -> object:
    return None if isinstance(channel, discord.PartialMessageable) else channel
