"""Message refs: how a Discord message is named to the core, and back.

Discord needs a channel id to reach a message. A ref is `<channel>/<message>`, or just
`<id>` when both are the same, which is the case for a forum post's starter message (the
thread's id is its first message's id). A thread ref is the thread's id, so a forum post's
thread ref and status message ref are the same string, as the core expects.
"""

from __future__ import annotations

from dataclasses import dataclass

SEPARATOR = "/"


@dataclass(frozen=True)
class MessageAt:
    channel_id: int
    message_id: int


def message_ref(channel_id: int, message_id: int) -> str:
    if channel_id == message_id:
        return str(message_id)
    return f"{channel_id}{SEPARATOR}{message_id}"


def parse_message_ref(ref: str) -> MessageAt:
    """The channel and message a ref names; ValueError if it is not one of ours."""
    channel, _, message = ref.partition(SEPARATOR)
    if not message:
        return MessageAt(int(channel), int(channel))
    return MessageAt(int(channel), int(message))


def jump_url(guild_id: int, ref: str) -> str:
    at = parse_message_ref(ref)
    return f"https://discord.com/channels/{guild_id}/{at.channel_id}/{at.message_id}"
