"""Status edits reach the platform in the order their changes were committed.

Every change to a post takes its row first (one writer at a time, see `Repo.post`) and
renders the status message at the post's new version. Delivery follows the commit, in
whichever process made the change, so two edits of one message could pass each other on
the way out and leave the older one showing. Here an edit that carries a revision waits
for the post's turn (a short lease in `status_shown`, so replicas take turns too), is
skipped if the platform was already given a newer version, and is sent while the turn is
held. Thread tags are rendered with the edit and go through the same gate.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.contract.intents import EditMessage, Intent, Revision, SetThreadTags
from bot.contract.ports import Attempt, Clock, Delivered, Outbox
from bot.engine.delivery import ClearsBy, HeldTurn, Pending
from bot.store.leases import Lease
from bot.store.repo import Repo, Store

log = logging.getLogger(__name__)

TURN_LEASE = timedelta(seconds=60)  # longer than any one platform call with its retries
TURN_WAIT_S = 5.0  # then the edit goes back to the outbox, to be retried later
TURN_POLL_S = 0.02
TURN_BUSY = "status_turn_busy"  # the failure's code: another sender holds the post's turn


@dataclass(frozen=True)
class _Turn:
    setback_id: int
    turn: str
    shown: int | None
    """The version this send showed; None when it sent nothing."""
    keep: bool
    """Another edit of the post follows in this send, under the same turn."""


def revision_of(intent: Intent) -> Revision | None:
    return intent.revision if isinstance(intent, EditMessage | SetThreadTags) else None


def new_turn(owner: str) -> str:
    return f"{owner}:{uuid.uuid4().hex[:12]}"  # one per send: coroutines take turns too


async def take_turns_ahead(
    repo: Repo, pending: Sequence[Pending], owner: str, now: datetime
) -> list[Pending]:
    """Take each post's turn for its first stored edit in the transaction that stores it,
    where the turn is free: the send then needs no transaction of its own to take it."""
    taken: set[int] = set()
    ahead: list[Pending] = []
    for item in pending:
        revision = revision_of(item.intent)
        held = None
        if revision is not None and item.row_id is not None and revision.setback_id not in taken:
            taken.add(revision.setback_id)
            turn = new_turn(owner)
            lease = Lease(turn, now, now + TURN_LEASE)
            shown = await repo.shown.take_turn(revision.setback_id, lease)
            held = None if shown is None else HeldTurn(turn, shown, now)
        ahead.append(item if held is None else replace(item, turn=held))
    return ahead


class OrderedEdits:
    """An outbox that sends status edits in version order and drops stale ones.

    A send holds a post's turn from one of its edits to the next (renewed with each
    recorded delivery) and gives it back after the last, or at `finish`.
    """

    def __init__(
        self,
        outbox: Outbox,
        store: Store,
        clock: Clock,
        owner: str,
        pending: Sequence[Pending] = (),
    ) -> None:
        self._outbox = outbox
        self._store = store
        self._clock = clock
        self._owner = owner
        self.capabilities = outbox.capabilities
        self._held: dict[int, _Turn] = {}
        """Turns held after a send, by the intent's identity, until its delivery is recorded."""
        self._kept: dict[int, HeldTurn] = {
            revision.setback_id: item.turn
            for item in pending
            if item.turn is not None and (revision := revision_of(item.intent)) is not None
        }
        """Turns held between edits of one post, by post."""
        self._ahead = Counter(
            revision.setback_id
            for item in pending
            if (revision := revision_of(item.intent)) is not None
        )
        """Edits of each post still to come in this send."""

    async def deliver(self, intent: Intent, attempt: Attempt | None = None) -> Delivered | None:
        revision = revision_of(intent)
        if revision is None:
            return await self._outbox.deliver(intent, attempt)
        setback_id = revision.setback_id
        held = await self._turn(setback_id)
        made: Delivered | None = None
        try:
            if revision.version < held.shown:
                log.info("skipped status edit v%d: v%d already shown", revision.version, held.shown)
                sent = None
            else:
                made = await self._outbox.deliver(intent, attempt)
                sent = revision.version
        except BaseException:
            async with self._store.transaction() as repo:
                await repo.shown.end_turn(setback_id, held.turn, held.shown)
            raise
        self._ahead[setback_id] -= 1
        keep = self._ahead[setback_id] > 0
        if keep:
            self._kept[setback_id] = replace(held, shown=max(held.shown, sent or 0))
        # Ended (or kept) where the delivery is recorded (`end_turns_in`), in its transaction.
        self._held[id(intent)] = _Turn(setback_id, held.turn, sent, keep)
        return made

    async def _turn(self, setback_id: int) -> HeldTurn:
        """The post's turn (the one held, while it is young), with the version shown so far."""
        kept = self._kept.pop(setback_id, None)
        if kept is not None:
            if self._clock.now() < kept.taken_at + TURN_LEASE / 2:
                return kept
            async with self._store.transaction() as repo:
                await repo.shown.end_turn(setback_id, kept.turn, kept.shown)
        turn, now = new_turn(self._owner), self._clock.now()
        return HeldTurn(turn, await self._take_turn(setback_id, turn), now)

    async def end_turns_in(self, repo: Repo, intents: Sequence[Intent]) -> None:
        """Give back the turns `deliver` held for `intents`, noting the versions they
        showed, in the transaction that records their deliveries (the turn's lease ends it
        otherwise); renewed instead when another edit of the post follows in this send.

        One statement a turn: the edits of one post recorded together (a message and its
        thread's tags) leave what the last of them would, with the highest version shown."""
        last: dict[tuple[int, str], _Turn] = {}
        for intent in intents:
            held = self._held.pop(id(intent), None)
            if held is None:
                continue
            key = (held.setback_id, held.turn)
            before = last.pop(key, None)  # re-added: the turn's entry follows its last edit
            if before is not None and (held.shown or 0) < (before.shown or 0):
                held = replace(held, shown=before.shown)
            last[key] = held
        for held in last.values():
            if held.keep:
                now = self._clock.now()
                lease = Lease(held.turn, now, now + TURN_LEASE)
                await repo.shown.keep_turn(held.setback_id, lease, held.shown)
            else:
                await repo.shown.end_turn(held.setback_id, held.turn, held.shown)

    async def finish(self) -> None:
        """Give back the turns still held (their edits were not sent: held back or failed)."""
        if self._kept:
            async with self._store.transaction() as repo:
                for setback_id, kept in self._kept.items():
                    await repo.shown.end_turn(setback_id, kept.turn, kept.shown)
            self._kept.clear()

    async def _take_turn(self, setback_id: int, turn: str) -> int:
        """Wait for the post's turn; the version shown so far."""
        loop = asyncio.get_running_loop()
        give_up_at = loop.time() + TURN_WAIT_S
        while True:
            now = self._clock.now()
            async with self._store.transaction() as repo:
                shown = await repo.shown.take_turn(setback_id, Lease(turn, now, now + TURN_LEASE))
            if shown is not None:
                return shown
            if loop.time() >= give_up_at:
                # Nothing was sent: back off and try again once the other sender is done,
                # and no later than its lease's end (it may have died holding the turn).
                async with self._store.transaction() as repo:
                    ends_at = await repo.shown.turn_ends_at(setback_id)
                raise ClearsBy(TURN_BUSY, ends_at or self._clock.now())
            await asyncio.sleep(TURN_POLL_S)
