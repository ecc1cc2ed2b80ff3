"""Getting intents to the platform: durable ones through the outbox, in order, once.

Durable intents (posts, edits, tags, closing) are stored with the change that caused
them; each is claimed again just before its platform call and marked delivered, with what
it tracks, in its own transaction the moment the platform confirms it. Idempotent ones
(edits, tags, renames, closing: sending one again changes nothing the platform shows) that
track nothing are recorded with the next record of the same send, or at its end: a crash
in between sends them again, harmlessly, and a send saves a commit each. Records of stored
rows are committed without waiting for the disk (`Store.transaction(durable=False)`): a
killed process keeps them, and one undone by a power cut leaves its row as the call left it,
marked attempted (durably, before the call), so it is looked for on the platform before any
new try, as after a crash during the call. A failure leaves it
to be retried (transient) or given up (permanent, or failing for a day), never lost and
never marked delivered. Request-bound ones (private notices, forms) belong to the member's
action and only make sense right away, so they are delivered directly.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.common.context import Context
from bot.contract.intent_codec import decode, encode
from bot.contract.intents import (
    CloseThread,
    DirectTo,
    EditMessage,
    Intent,
    OpenForm,
    RenameThread,
    Send,
    SetThreadTags,
    StartThread,
    Tracking,
)
from bot.contract.ports import (
    Attempt,
    Clock,
    Delivered,
    DeliveryFailed,
    FailureKind,
    FormTooLate,
    Outbox,
)
from bot.engine.metrics import NULL, Delivery, Recorder
from bot.store.repo import Failure, Outbound, Repo, Store

log = logging.getLogger(__name__)

DURABLE = (Send, StartThread, EditMessage, CloseThread, SetThreadTags, RenameThread)
IDEMPOTENT = (EditMessage, CloseThread, SetThreadTags, RenameThread)
LEASE = timedelta(minutes=2)
RETRY_BASE = timedelta(seconds=30)
RETRY_MAX = timedelta(hours=1)
GIVE_UP_AFTER = timedelta(hours=24)


@dataclass(frozen=True)
class Policy:
    """How long a worker holds a row it is sending, and when transient failures end."""

    lease: timedelta = LEASE
    give_up_after: timedelta = GIVE_UP_AFTER


class ClearsBy(DeliveryFailed):
    """Transient, and known to clear by `at` at the latest (another sender's lease ends
    then): retried after the usual back-off, but never later than that."""

    def __init__(self, code: str, at: datetime) -> None:
        super().__init__(code, FailureKind.TRANSIENT, answered=True)
        self.at = at


def retry_delay(attempts: int) -> timedelta:
    """Exponential back-off for something the platform would not take."""
    factor: int = 2 ** max(attempts, 0)
    return min(RETRY_BASE * factor, RETRY_MAX)


@dataclass(frozen=True)
class HeldTurn:
    """A post's turn for status edits (bot/engine/ordered_edits.py), taken by the
    transaction that stored the edit: `shown` is the version shown when it was taken."""

    turn: str
    shown: int
    taken_at: datetime


@dataclass(frozen=True)
class Pending:
    """An intent on its way; `row_id` is its outbox row when it is durable.

    Intents of one `source` (an event, a follow-up firing) go out in order, and a failure
    holds back the rest of that source only. `fresh_lease_until` is set on rows this worker
    has just stored (and leased): while that lease is young they need no claim of their own.
    `turn` is the post's status-edit turn, when it was taken with the row.
    """

    intent: Intent
    source: str
    row_id: int | None = None
    attempts: int = 0
    fresh_lease_until: datetime | None = None
    turn: HeldTurn | None = None


async def enqueue(
    ctx: Context, batches: Mapping[str, Sequence[Intent]], owner: str, lease: timedelta
) -> list[Pending]:
    """Store the durable intents of each source in the current transaction, in one INSERT.

    Returns every intent, durable or not, in order and tagged with its source.
    """
    if not any(isinstance(i, DURABLE) for intents in batches.values() for i in intents):
        # Nothing to store (a form, a notice): each intent goes out with its own source.
        return [Pending(i, source) for source, intents in batches.items() for i in intents]
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
    lease_until = ctx.now + lease
    ids = await ctx.repo.outbound.enqueue(
        community_id=ctx.community_id,
        platform=ctx.platform,
        rows=rows,
        now=ctx.now,
        owner=owner,
        lease_until=lease_until,
    )
    pending: list[Pending] = []
    for source, intents in sources.items():
        durable = itertools.count()
        for intent in intents:
            if isinstance(intent, DURABLE):
                row_id = ids[(source, next(durable))]
                pending.append(Pending(intent, source, row_id, fresh_lease_until=lease_until))
            else:
                pending.append(Pending(intent, source))
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


Track = Callable[[Repo, Tracking, Delivered], Awaitable[None]]
"""Records what a confirmed message becomes (a post's thread, its status message...)."""
After = Callable[[Repo, Sequence[Intent]], Awaitable[None]]
Record = tuple["Pending", Delivered | None]
"""A confirmed delivery to record: what was sent, and what the platform made of it."""


@dataclass
class Ledger:
    """Records each delivery the moment the platform confirms it, in its own transaction.

    Every stored row is claimed again just before its call (`begin`), which renews the
    lease of `owner` and notes the try: a worker alive and sending never loses a row to
    another, and one that died leaves behind rows another worker takes once the lease ends.
    """

    store: Store
    clock: Clock
    owner: str
    policy: Policy
    track: Track
    after: After | None = None
    """More to record with the deliveries recorded together, in their transaction (a
    status edit's turn ends)."""
    metrics: Recorder = NULL
    _deferred: list[Record] = field(default_factory=list)
    """Idempotent deliveries confirmed but not recorded yet (see the module's doc)."""

    async def begin(self, item: Pending) -> Attempt | None:
        """The attempt for `item`'s row; None when it is not this worker's to send now."""
        assert item.row_id is not None
        now = self.clock.now()
        if (
            item.fresh_lease_until is not None
            and now + self.policy.lease / 2 <= item.fresh_lease_until
        ):
            # Stored (marked attempted, leased) by this worker moments ago: no other worker
            # can hold it, and a crash from here on leaves it to be looked for.
            pieces = _Pieces(self, item, [])
            return Attempt(key=str(item.row_id), started_at=now, record_piece=pieces.record)
        async with self.store.transaction() as repo:
            row = await repo.outbound.begin(item.row_id, self.owner, now, now + self.policy.lease)
        if row is None:
            return None
        earlier = row.attempted_at if row.attempted_at and row.attempted_at < now else None
        pieces = _Pieces(self, item, list(row.pieces))
        return Attempt(
            key=str(row.id),
            maybe_sent_since=earlier,
            started_at=now,
            pieces=dict(enumerate(row.pieces)),
            record_piece=pieces.record,
        )

    async def delivered(self, item: Pending, made: Delivered | None) -> None:
        track = getattr(item.intent, "track", None)
        if item.row_id is None and (track is None or made is None):
            return  # nothing stored; status edits, whose turns `after` ends, always are
        if item.row_id is not None and track is None and isinstance(item.intent, IDEMPOTENT):
            self._deferred.append((item, made))
            return
        # A stored row's record need not wait for the disk: lost to a power cut, it leaves
        # the row marked attempted, and an attempted row is looked for on the platform
        # before it is sent again (see the module's doc).
        records, rows = self._take_deferred((item, made))
        now = self.clock.now()
        async with self.store.recording(rows, now, durable=item.row_id is None) as repo:
            await self._recorded(repo, records)

    def _take_deferred(self, *more: Record) -> tuple[list[Record], list[tuple[int, str | None]]]:
        """The deferred deliveries and `more`, and their stored rows (id, the message's
        ref): recorded in one statement (a round trip each would cost more than the rows),
        the first of the transaction that records them (`Store.recording`)."""
        records, self._deferred = [*self._deferred, *more], []
        rows = [
            (item.row_id, made.message_ref if made else None)
            for item, made in records
            if item.row_id is not None
        ]
        return records, rows

    async def _recorded(self, repo: Repo, records: Sequence[Record]) -> None:
        """What the recorded deliveries track, and what follows them (`after`)."""
        for item, made in records:
            if item.row_id is not None:
                self.metrics.outbound(Delivery.DELIVERED)
            track = getattr(item.intent, "track", None)
            if track is not None and made is not None:
                await self.track(repo, track, made)
        if self.after is not None:
            await self.after(repo, [item.intent for item, _ in records])

    async def flush(self) -> None:
        """Record the deliveries still deferred (the end of a send)."""
        if self._deferred:
            records, rows = self._take_deferred()
            async with self.store.recording(rows, self.clock.now(), durable=False) as repo:
                await self._recorded(repo, records)

    async def failed(self, item: Pending, failure: Exception) -> None:
        """Back off a transient failure; give up a permanent one, or one failing too long."""
        kind, code, maybe_sent = _classify(failure)
        if item.row_id is None:
            log.warning("delivery failed (%s %s); not stored, not retried", kind, code)
            return
        now = self.clock.now()
        reason = Failure(code, kind)
        records, confirmed = self._take_deferred()
        async with self.store.recording(confirmed, now) as repo:
            await self._recorded(repo, records)
            row = await repo.outbound.row(item.row_id)
            if row is None:
                return
            first = row.first_failed_at or now
            if kind is FailureKind.PERMANENT or now - first >= self.policy.give_up_after:
                rows = await repo.outbound.give_up(row, now, reason)
                self.metrics.outbound(Delivery.GIVEN_UP)
                log.warning(
                    "outbound %d given up (%s %s), %d row(s) of its source with it",
                    row.id,
                    kind,
                    code,
                    rows,
                )
                return
            retry_at = now + retry_delay(row.attempts)
            if isinstance(failure, ClearsBy):
                retry_at = min(retry_at, max(now, failure.at))
            await repo.outbound.failed(
                row.id, self.owner, now, retry_at, reason, maybe_sent=maybe_sent
            )
        self.metrics.outbound(Delivery.RETRIED)
        # The code only: platform errors can quote what was being sent.
        log.warning(
            "outbound %d failed (%s %s); the rest of its source waits until %s",
            row.id,
            kind,
            code,
            retry_at.isoformat(timespec="seconds"),
        )

    async def release(self, row_ids: Sequence[int]) -> None:
        if row_ids:
            async with self.store.transaction() as repo:
                await repo.outbound.release(row_ids, self.owner)


@dataclass
class _Pieces:
    """The confirmed pieces of one row's message, stored as each one is confirmed."""

    ledger: Ledger
    item: Pending
    refs: list[str]

    async def record(self, piece: int, ref: str) -> None:
        if piece != len(self.refs):
            raise ValueError(f"piece {piece} confirmed after {len(self.refs)} piece(s)")
        self.refs.append(ref)
        assert self.item.row_id is not None
        track = getattr(self.item.intent, "track", None)
        async with self.ledger.store.transaction() as repo:
            await repo.outbound.record_pieces(self.item.row_id, self.refs)
            # The first piece is the message (or thread) others refer to: known at once,
            # even while a later piece still fails.
            if piece == 0 and track is not None:
                await self.ledger.track(repo, track, Delivered(ref))


def _classify(failure: Exception) -> tuple[FailureKind, str, bool]:
    """(kind, code, may the platform have made it anyway)."""
    if isinstance(failure, DeliveryFailed):
        return failure.kind, failure.code, not failure.answered
    # An adapter bug: the type only, and it may have struck after the platform took it.
    return FailureKind.TRANSIENT, type(failure).__name__, True


OfferForm = Callable[[OpenForm, FormTooLate], Awaitable[Sequence[Intent]]]
"""What to send instead of a form that could not open in time (bot/common/form_offers.py)."""


async def send_in_order(
    pending: Sequence[Pending],
    outbox: Outbox,
    ledger: Ledger,
    offer_form: OfferForm | None = None,
) -> list[Intent]:
    """Deliver in order, recording each one as it is confirmed; a failure holds back the
    rest of its source for a later try. A form too late to open is offered behind a button
    instead (`offer_form`). Returns the intents that went out."""
    sent: list[Intent] = []
    stopped: set[str] = set()
    held_back: list[int] = []
    for item in pending:
        if item.source in stopped:
            if item.row_id is not None:
                held_back.append(item.row_id)
            continue
        attempt = await ledger.begin(item) if item.row_id is not None else None
        if item.row_id is not None and attempt is None:
            stopped.add(item.source)  # another worker has it now: the rest of it too
            continue
        try:
            try:
                made = await outbox.deliver(item.intent, attempt)
            except FormTooLate as too_late:
                if offer_form is None or not isinstance(item.intent, OpenForm):
                    raise
                sent.extend(await _offer_instead(item.intent, too_late, offer_form, outbox))
                continue
        except Exception as failure:  # an adapter bug must not lose or repeat what was sent
            stopped.add(item.source)
            await ledger.failed(item, failure)
            continue
        sent.append(item.intent)
        await ledger.delivered(item, made)
    await ledger.flush()
    await ledger.release(held_back)
    return sent


async def _offer_instead(
    form: OpenForm, too_late: FormTooLate, offer_form: OfferForm, outbox: Outbox
) -> list[Intent]:
    offered = list(await offer_form(form, too_late))
    for instead in offered:
        await outbox.deliver(instead)
    return offered
