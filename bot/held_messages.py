"""Private messages the platform would not take yet, handed over another way.

A member with closed DMs never receives their follow-ups by private message; the outbox
keeps retrying them. When that member next acts where the platform can answer only them
(an ephemeral reply to a command, say), the adapter takes these messages and shows them
there instead. Taking marks them delivered, so the retries stop and nothing is shown twice.
"""

from __future__ import annotations

from sqlalchemy import select, update

from bot.intent_codec import decode
from bot.intents import DirectTo, Message, Send
from bot.ports import Clock
from bot.store.leases import is_free
from bot.store.repo import Store
from bot.store.statements import OUTBOUND

TAKEN_REF = "taken"
"""The delivered ref of a taken message: it reached the member, but not as its own message."""

# Private messages always form sources of their own, named `<source>/dm<n>` (bot/delivery.py).
_DIRECT_SOURCE = "%/dm%"


async def take_direct_messages(
    store: Store, clock: Clock, community_id: str, user_id: str
) -> list[Message]:
    """Undelivered private messages to `user_id`, oldest first, now marked delivered.

    Rows another worker is delivering right now (leased) are left alone, so a message is
    either taken here or sent by the outbox, never both.
    """
    now = clock.now()
    async with store.engine.begin() as db:
        candidates = await db.execute(
            select(OUTBOUND.c.id, OUTBOUND.c.intent)
            .where(
                OUTBOUND.c.community_id == community_id,
                OUTBOUND.c.delivered_at.is_(None),
                OUTBOUND.c.source.like(_DIRECT_SOURCE),
                is_free(OUTBOUND, now),
            )
            .order_by(OUTBOUND.c.id)
        )
        mine = {
            row_id: message
            for row_id, data in candidates.all()
            if (message := _to(user_id, decode(data))) is not None
        }
        if not mine:
            return []
        taken = await db.execute(
            update(OUTBOUND)
            .where(
                OUTBOUND.c.id.in_(list(mine)),
                OUTBOUND.c.delivered_at.is_(None),
                is_free(OUTBOUND, now),
            )
            .values(delivered_at=now, delivered_ref=TAKEN_REF, lease_until=None)
            .returning(OUTBOUND.c.id)
        )
        taken_ids = set(taken.scalars().all())
    return [message for row_id, message in mine.items() if row_id in taken_ids]


def _to(user_id: str, intent: object) -> Message | None:
    if isinstance(intent, Send) and intent.target == DirectTo(user_id=user_id):
        return intent.message
    return None
