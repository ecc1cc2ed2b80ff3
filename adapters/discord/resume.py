"""Exactly once on Discord: find what a try that was cut short already made.

Every message from an outbox row is sent with a nonce naming the row and the piece, and
discord.py sends `enforce_nonce: true` with it: within Discord's window (a few minutes) the
same nonce again returns the message made the first time instead of a new one. Past that
window the channel's messages since the try are read and the bot's own message with the
same text is taken as the one made. A forum post (a thread and its starter message) takes
no nonce: the forum's active threads are searched for the bot's thread of that name made
since the try, whose starter message has the same text.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import discord

NONCE_WINDOW = timedelta(minutes=2)  # Discord keeps nonces "a few minutes": stay inside
LOOKBACK = 100
# Discord's clock and ours may differ a little: look a minute further back.
CLOCK_SKEW = timedelta(minutes=1)


def nonce(key: str, piece: int) -> str:
    """At most 25 characters, as Discord requires."""
    return f"rb{key}.{piece}"[:25]


def nonce_still_holds(since: datetime, now: datetime) -> bool:
    return now - since < NONCE_WINDOW


async def find_message(
    channel: discord.abc.Messageable, bot_id: int, text: str, since: datetime
) -> discord.Message | None:
    """The bot's message with `text` in `channel` made since `since`, if any."""
    after = discord.Object(discord.utils.time_snowflake(since - CLOCK_SKEW))
    async for message in channel.history(limit=LOOKBACK, after=after):
        if message.author.id == bot_id and message.content == text:
            return message
    return None


async def find_thread(
    forum: discord.ForumChannel, bot_id: int, name: str, text: str, since: datetime
) -> discord.Thread | None:
    """The bot's forum post named `name` whose starter message says `text`, made since."""
    oldest = since - CLOCK_SKEW
    for thread in await forum.guild.active_threads():
        if (
            thread.parent_id != forum.id
            or thread.owner_id != bot_id
            or thread.name != name
            or discord.utils.snowflake_time(thread.id) < oldest
        ):
            continue
        starter = await thread.fetch_message(thread.id)
        if starter.content == text:
            return thread
    return None
