"""A post's turn for status edits is taken with the change that stores them and held from
one edit of the post to the next in a send, and idempotent deliveries are recorded with
the send's next record: fewer transactions, the same order, every row recorded, and the
turn always given back (bot/engine/ordered_edits.py, bot/engine/delivery.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from bot.contract.events import MessageActionInvoked
from bot.contract.intents import EditMessage, Intent, SetThreadTags
from bot.contract.ports import Attempt, Delivered, DeliveryFailed, FailureKind
from bot.engine.delivery import DURABLE
from bot.store.repo import OutboxState
from bot.store.statements import STATUS_SHOWN
from tests.support import COMMUNITY, MAYA, RUTH, Harness, RecordingOutbox, harness


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[Harness]:
    async with harness(database_url) as running:
        yield running


async def _shown(h: Harness, setback_id: int) -> tuple[int, str | None]:
    async with h.core.store.engine.connect() as connection:
        row = (
            await connection.execute(
                select(STATUS_SHOWN.c.version, STATUS_SHOWN.c.lease_owner).where(
                    STATUS_SHOWN.c.setback_id == setback_id
                )
            )
        ).one()
    return row.version, row.lease_owner


async def test_a_mark_sends_its_edit_and_tags_in_one_turn_taken_with_the_change(
    h: Harness,
) -> None:
    thread = await h.post(MAYA)
    reply = await h.reply(RUTH, thread, "Same thing happened to me.")
    h.outbox.clear()
    commits: list[object] = []
    turn_changes: list[str] = []

    def committed(connection: object) -> None:
        commits.append(connection)

    def ran(*args: object) -> None:
        if str(args[2]).startswith("UPDATE status_shown"):
            turn_changes.append(str(args[2]))

    event.listen(h.core.store.sync_engine, "commit", committed)
    event.listen(h.core.store.sync_engine, "before_cursor_execute", ran)
    try:
        await h.mark(MAYA, reply)
    finally:
        event.remove(h.core.store.sync_engine, "commit", committed)
        event.remove(h.core.store.sync_engine, "before_cursor_execute", ran)

    (edit,) = h.outbox.of(EditMessage)
    (tags,) = h.outbox.of(SetThreadTags)
    assert edit.revision is not None and edit.revision == tags.revision
    # The change (with the turn), then the DM's record, which also records the edit and
    # the tags (idempotent: recorded with the next record); turns and records taken one
    # by one made six.
    durable = [i for i in h.outbox.sent if isinstance(i, DURABLE)]
    assert len(durable) == 3
    assert len(commits) == 2
    assert len(turn_changes) == 1  # the edit's and the tags' turn given back at once
    version, owner = await _shown(h, edit.revision.setback_id)
    assert (version, owner) == (edit.revision.version, None)  # shown, and the turn free
    async with h.core.store.transaction() as repo:
        assert (await repo.outbound.counts())[OutboxState.PENDING] == 0  # every row recorded


class FailingEdits(RecordingOutbox):
    """Refuses every status edit (as a platform's 5xx would)."""

    async def deliver(self, intent: Intent, attempt: Attempt | None = None) -> Delivered | None:
        if isinstance(intent, EditMessage | SetThreadTags):
            raise DeliveryFailed("internal_error", FailureKind.TRANSIENT, answered=True)
        return await super().deliver(intent, attempt)


async def test_a_turn_taken_with_the_change_is_given_back_when_its_edits_fail(
    h: Harness,
) -> None:
    thread = await h.post(MAYA)
    reply = await h.reply(RUTH, thread, "Same thing happened to me.")
    failing = FailingEdits()
    marked = MessageActionInvoked(
        community_id=COMMUNITY,
        event_id=h.next_event_id(),
        actor=MAYA,
        action="mark_best",
        message_ref=reply,
    )
    pending = await h.core.decide(marked, failing.capabilities)
    (taken,) = [p for p in pending if p.turn is not None]
    assert isinstance(taken.intent, EditMessage) and taken.intent.revision is not None
    assert taken.turn is not None
    setback_id = taken.intent.revision.setback_id
    assert (await _shown(h, setback_id))[1] == taken.turn.turn  # held from the change on

    await h.core.send(COMMUNITY, pending, failing)

    assert (await _shown(h, setback_id))[1] is None  # free for the retry, or another sender
    h.outbox.clear()
    await h.wait(timedelta(seconds=30))  # the first retry of a transient failure
    (edit,) = h.outbox.of(EditMessage)
    assert edit.revision == taken.intent.revision
    assert await _shown(h, setback_id) == (edit.revision.version, None)
    async with h.core.store.transaction() as repo:
        assert (await repo.outbound.counts())[OutboxState.PENDING] == 0  # recorded at the end
