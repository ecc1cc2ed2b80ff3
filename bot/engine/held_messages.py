"""Private messages the platform would not take yet, handed over another way.

A member with closed DMs never receives their follow-ups by private message; the outbox
keeps retrying them. When that member next acts where the platform can answer only them
(an ephemeral reply to a command, say), the adapter takes these messages and shows them
there instead. Taking marks them delivered, so the retries stop and nothing is shown twice;
a message the adapter then fails to show is given back, so it is not lost either.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.contract.intent_codec import decode
from bot.contract.intents import DirectTo, Message, Send
from bot.contract.ports import Clock
from bot.store.repo import Store

TAKEN_REF = "taken"
"""The delivered ref of a taken message: it reached the member, but not as its own message."""

# Private messages always form sources of their own, named `<source>/dm<n>` (engine/delivery.py).
_DIRECT_SOURCES = "%/dm%"


async def take_direct_messages(
    store: Store, clock: Clock, community_id: str, user_id: str
) -> list[Message]:
    """Undelivered private messages to `user_id`, oldest first, now marked delivered.

    Rows another worker is delivering right now (leased) are left alone, so a message is
    either taken here or sent by the outbox, never both.
    """
    return list((await _take(store, clock, community_id, user_id)).values())


async def hand_over_direct_messages(
    store: Store,
    clock: Clock,
    community_id: str,
    user_id: str,
    show: Callable[[Message], Awaitable[None]],
) -> None:
    """Take the member's held private messages and `show` each, oldest first. If `show`
    raises, the messages not yet shown are given back (the outbox keeps retrying them and
    the next hand-over offers them again), and the failure is raised."""
    held = await _take(store, clock, community_id, user_id)
    left = list(held)
    try:
        for row_id, message in held.items():
            await show(message)
            left.remove(row_id)
    finally:
        if left:
            async with store.transaction() as repo:
                await repo.outbound.give_back(left, TAKEN_REF)


async def _take(store: Store, clock: Clock, community_id: str, user_id: str) -> dict[int, Message]:
    now = clock.now()
    async with store.transaction() as repo:
        rows = await repo.outbound.free_undelivered(community_id, _DIRECT_SOURCES, now)
        mine = {
            row.id: message
            for row in rows
            if (message := _message_to(user_id, decode(row.intent))) is not None
        }
        if not mine:
            return {}
        taken = await repo.outbound.take(mine, TAKEN_REF, now)
    return {row_id: message for row_id, message in mine.items() if row_id in taken}


def _message_to(user_id: str, intent: object) -> Message | None:
    if isinstance(intent, Send) and intent.target == DirectTo(user_id=user_id):
        return intent.message
    return None
