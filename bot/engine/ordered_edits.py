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
from dataclasses import dataclass
from datetime import timedelta

from bot.contract.intents import EditMessage, Intent, Revision, SetThreadTags
from bot.contract.ports import Attempt, Clock, Delivered, DeliveryFailed, FailureKind, Outbox
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


def revision_of(intent: Intent) -> Revision | None:
    return intent.revision if isinstance(intent, EditMessage | SetThreadTags) else None


class OrderedEdits:
    """An outbox that sends status edits in version order and drops stale ones."""

    def __init__(self, outbox: Outbox, store: Store, clock: Clock, owner: str) -> None:
        self._outbox = outbox
        self._store = store
        self._clock = clock
        self._owner = owner
        self.capabilities = outbox.capabilities
        self._held: dict[int, _Turn] = {}
        """Turns held after a send, by the intent's identity, until its delivery is recorded."""

    async def deliver(self, intent: Intent, attempt: Attempt | None = None) -> Delivered | None:
        revision = revision_of(intent)
        if revision is None:
            return await self._outbox.deliver(intent, attempt)
        turn = f"{self._owner}:{uuid.uuid4().hex[:12]}"  # one per send: coroutines take turns too
        shown = await self._take_turn(revision.setback_id, turn)
        try:
            if revision.version < shown:
                log.info("skipped status edit v%d: v%d already shown", revision.version, shown)
                self._held[id(intent)] = _Turn(revision.setback_id, turn, None)
                return None
            made = await self._outbox.deliver(intent, attempt)
        except BaseException:
            async with self._store.transaction() as repo:
                await repo.shown.end_turn(revision.setback_id, turn, None)
            raise
        # Ended where the delivery is recorded (`end_turn_in`): one transaction for both.
        self._held[id(intent)] = _Turn(revision.setback_id, turn, revision.version)
        return made

    async def end_turn_in(self, repo: Repo, intent: Intent) -> None:
        """Give back the turn `deliver` held for `intent`, noting the version it showed, in
        the transaction that records the delivery (the turn's lease ends it otherwise)."""
        held = self._held.pop(id(intent), None)
        if held is not None:
            await repo.shown.end_turn(held.setback_id, held.turn, held.shown)

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
                # Nothing was sent: back off and try again once the other sender is done.
                raise DeliveryFailed(TURN_BUSY, FailureKind.TRANSIENT, answered=True)
            await asyncio.sleep(TURN_POLL_S)
