"""Getting intents to the platform: durable ones through the outbox, in order, once.

Durable intents (posts, edits, tags, closing) are stored with the change that caused
them and marked delivered afterwards, so a failure leaves them to be retried rather
than lost. Request-bound ones (private notices, forms) belong to the member's action
and only make sense right away, so they are delivered directly.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.intent_codec import decode, encode
from bot.intents import (
    CloseThread,
    DirectTo,
    EditMessage,
    Intent,
    Send,
    SetThreadTags,
    StartThread,
    Tracking,
)
from bot.ports import DeliveryFailed, Outbox
from bot.services.context import Context
from bot.store.repo import Outbound, Repo

log = logging.getLogger(__name__)

DURABLE = (Send, StartThread, EditMessage, CloseThread, SetThreadTags)
LEASE = timedelta(minutes=2)
RETRY_BASE = timedelta(seconds=30)
RETRY_MAX = timedelta(hours=6)
MAX_ATTEMPTS = 10  # about a day of back-off; then the platform is taken at its word


def retry_delay(attempts: int) -> timedelta:
    """Exponential back-off for something the platform would not take."""
    factor: int = 2 ** max(attempts, 0)
    return min(RETRY_BASE * factor, RETRY_MAX)


@dataclass(frozen=True)
class Pending:
    """An intent on its way; `row_id` is its outbox row when it is durable.

    Intents of one `source` (an event, a follow-up firing) go out in order, and a failure
    holds back the rest of that source only.
    """

    intent: Intent
    source: str
    row_id: int | None = None
    attempts: int = 0


async def enqueue(
    ctx: Context, batches: Mapping[str, Sequence[Intent]], owner: str
) -> list[Pending]:
    """Store the durable intents of each source in the current transaction, in one INSERT.

    Returns every intent, durable or not, in order and tagged with its source.
    """
    sources = {
        part: items
        for source, intents in batches.items()
        for part, items in _split(source, intents)
    }
    rows = [
        (source, seq, encode(intent))
        for source, intents in sources.items()
        for seq, intent in enumerate(i for i in intents if isinstance(i, DURABLE))
    ]
    ids = await ctx.repo.outbound.enqueue(
        community_id=ctx.community_id,
        platform=ctx.platform,
        rows=rows,
        now=ctx.now,
        owner=owner,
        lease_until=ctx.now + LEASE,
    )
    pending: list[Pending] = []
    for source, intents in sources.items():
        durable = itertools.count()
        for intent in intents:
            row_id = ids[(source, next(durable))] if isinstance(intent, DURABLE) else None
            pending.append(Pending(intent, source, row_id))
    return pending


def _split(source: str, intents: Sequence[Intent]) -> list[tuple[str, list[Intent]]]:
    """Private messages to each member form a source of their own: one member's closed DMs
    must not hold back the thread, nor the thread's trouble their messages."""
    parts: dict[str, list[Intent]] = {source: []}
    recipients: dict[str, str] = {}
    for intent in intents:
        if isinstance(intent, Send) and isinstance(intent.target, DirectTo):
            # Numbered, not named: the source is stored and must not say who it is for.
            user = intent.target.user_id
            part = recipients.setdefault(user, f"{source}/dm{len(recipients) + 1}")
            parts.setdefault(part, []).append(intent)
        else:
            parts[source].append(intent)
    return list(parts.items())


def from_rows(rows: Sequence[Outbound]) -> list[Pending]:
    return [Pending(decode(row.intent), row.source, row.id, row.attempts) for row in rows]


@dataclass
class Sent:
    """What one delivery run achieved."""

    intents: list[Intent] = field(default_factory=list)
    refs: dict[int, str | None] = field(default_factory=dict)
    tracked: list[tuple[Tracking, str]] = field(default_factory=list)
    held_back: dict[int, int] = field(default_factory=dict)  # row id -> attempts so far

    async def record(self, repo: Repo, owner: str, now: datetime) -> None:
        """Mark what went out as delivered; give back what did not, for a later try."""
        given_up = {row: n for row, n in self.held_back.items() if n + 1 >= MAX_ATTEMPTS}
        if given_up:
            log.warning("giving up on %d intent(s) after %d attempts", len(given_up), MAX_ATTEMPTS)
        await repo.outbound.delivered(self.refs | dict.fromkeys(given_up), now)
        by_attempts: dict[int, list[int]] = {}
        for row, attempts in self.held_back.items():
            if row not in given_up:
                by_attempts.setdefault(attempts, []).append(row)
        for attempts, rows in by_attempts.items():
            await repo.outbound.failed(rows, owner, now + retry_delay(attempts))


async def send_in_order(pending: Sequence[Pending], outbox: Outbox) -> Sent:
    """Deliver in order; a failure holds back the rest of its source for a later try."""
    sent = Sent()
    failed: set[str] = set()
    for item in pending:
        if item.source in failed:
            if item.row_id is not None:
                sent.held_back[item.row_id] = item.attempts
            continue
        try:
            ref = await outbox.deliver(item.intent)
        except Exception as failure:  # an adapter bug must not lose or repeat what was sent
            failed.add(item.source)
            if item.row_id is not None:
                sent.held_back[item.row_id] = item.attempts
            # The type only: platform errors can quote what was being sent.
            kind = "delivery refused" if isinstance(failure, DeliveryFailed) else "adapter error"
            log.warning("%s (%s); the rest of its source waits", kind, type(failure).__name__)
            continue
        sent.intents.append(item.intent)
        if item.row_id is not None:
            sent.refs[item.row_id] = ref
        track = getattr(item.intent, "track", None)
        if track is not None and ref is not None:
            sent.tracked.append((track, ref))
    return sent
