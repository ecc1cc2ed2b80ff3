"""Private messages the platform would not take yet, handed over another way.

A member with closed DMs never receives their follow-ups by private message; the outbox
keeps retrying them. When that member next acts where the platform can answer only them
(an ephemeral reply to a command, say), the adapter takes these messages and shows them
there instead. Taking marks them delivered, so the retries stop and nothing is shown twice.
"""

from __future__ import annotations

from bot.intent_codec import decode
from bot.intents import DirectTo, Message, Send
from bot.ports import Clock
from bot.store.repo import Store

TAKEN_REF = "taken"
"""The delivered ref of a taken message: it reached the member, but not as its own message."""

# Private messages always form sources of their own, named `<source>/dm<n>` (bot/delivery.py).
_DIRECT_SOURCES = "%/dm%"


async def take_direct_messages(
    store: Store, clock: Clock, community_id: str, user_id: str
) -> list[Message]:
    """Undelivered private messages to `user_id`, oldest first, now marked delivered.

    Rows another worker is delivering right now (leased) are left alone, so a message is
    either taken here or sent by the outbox, never both.
    """
    now = clock.now()
    async with store.transaction() as repo:
        rows = await repo.outbound.free_undelivered(community_id, _DIRECT_SOURCES, now)
        mine = {
            row.id: message
            for row in rows
            if (message := _message_to(user_id, decode(row.intent))) is not None
        }
        if not mine:
            return []
        taken = await repo.outbound.take(mine, TAKEN_REF, now)
    return [message for row_id, message in mine.items() if row_id in taken]


def _message_to(user_id: str, intent: object) -> Message | None:
    if isinstance(intent, Send) and intent.target == DirectTo(user_id=user_id):
        return intent.message
    return None
