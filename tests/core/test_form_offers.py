"""A form that could not open in time comes back as a button that opens it, on any
replica, for the member it was meant for, for a day: one rule for every platform."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest

from bot.contract.intents import Intent, Notice, OpenForm
from bot.contract.ports import Attempt, Delivered, FormTooLate
from tests.support import JO, MAYA, Harness, RecordingOutbox, harness


@dataclass
class SlowToOpen(RecordingOutbox):
    """A platform whose trigger for a form has always expired by the time the core answers."""

    async def deliver(self, intent: Intent, attempt: Attempt | None = None) -> Delivered | None:
        if isinstance(intent, OpenForm):
            raise FormTooLate(intent.form)
        return await super().deliver(intent, attempt)


@pytest.fixture
async def replicas(database_url: str) -> AsyncIterator[tuple[Harness, Harness]]:
    async with harness(database_url) as one, harness(database_url) as other:
        other.replica = "b-"
        yield one, other


async def _offered(h: Harness) -> Notice:
    h.outbox = SlowToOpen()
    await h.command(MAYA)
    [offer] = h.outbox.notices_to(MAYA)
    assert offer.message.key == "form.offered"
    assert not h.outbox.of(OpenForm)
    return offer


async def test_a_late_form_is_offered_and_opens_from_its_button_on_another_replica(
    replicas: tuple[Harness, Harness],
) -> None:
    one, other = replicas
    offer = await _offered(one)
    [button] = offer.message.buttons

    await other.press(MAYA, button)

    [opened] = other.outbox.of(OpenForm)
    assert opened.user_id == MAYA.user_id
    assert opened.form.form_id == "rb:form:setback"
    assert [f.name for f in opened.form.fields][:2] == ["title", "body"]


async def test_someone_else_or_a_day_later_is_told_the_form_is_no_longer_open(
    replicas: tuple[Harness, Harness],
) -> None:
    one, _ = replicas
    offer = await _offered(one)
    [button] = offer.message.buttons
    one.outbox = RecordingOutbox()

    await one.press(JO, button)
    one.clock.advance(timedelta(days=1, minutes=1))
    await one.press(MAYA, button)

    assert not one.outbox.of(OpenForm)
    refusals = one.outbox.of(Notice)
    assert [(n.user_id, n.message.key) for n in refusals] == [
        (JO.user_id, "error.form_expired"),
        (MAYA.user_id, "error.form_expired"),
    ]
