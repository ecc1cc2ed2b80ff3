"""InFlight: work queued for after an acknowledgement waits for it; a stop drains the rest."""

from __future__ import annotations

import asyncio
import logging

import pytest

from adapters.lifecycle import InFlight

CANARY = "canary-5e1"


async def test_work_after_the_ack_starts_only_when_the_holding_block_ends() -> None:
    in_flight, order = InFlight(), []

    async def deliver() -> None:
        order.append("delivered")

    with in_flight.holding():
        in_flight.after_ack(deliver, "delivery")
        await asyncio.sleep(0.01)  # the loop runs: nothing may start yet
        order.append("acknowledged")
    assert await in_flight.drain(5)

    assert order == ["acknowledged", "delivered"]


async def test_drain_waits_for_tracked_and_spawned_work() -> None:
    in_flight, release, done = InFlight(), asyncio.Event(), []

    async def request() -> None:
        with in_flight.tracking():
            await release.wait()
            done.append("request")

    async def delivery() -> None:
        await release.wait()
        done.append("delivery")

    running = asyncio.create_task(request())
    in_flight.spawn(delivery, "delivery")
    await asyncio.sleep(0)
    draining = asyncio.create_task(in_flight.drain(5))
    await asyncio.sleep(0.01)
    assert not draining.done()
    release.set()

    assert await draining
    await running
    assert sorted(done) == ["delivery", "request"]
    assert in_flight.busy == 0


async def test_drain_gives_up_at_its_deadline_and_cancels_what_is_left() -> None:
    in_flight, cancelled = InFlight(), asyncio.Event()

    async def stuck() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    in_flight.spawn(stuck, "stuck delivery")

    assert not await in_flight.drain(0.05)
    assert cancelled.is_set()
    assert in_flight.busy == 0


async def test_a_failing_job_is_logged_without_its_message(
    caplog: pytest.LogCaptureFixture,
) -> None:
    in_flight = InFlight()

    async def failing() -> None:
        raise ValueError(f"{CANARY}: a member's words")

    in_flight.spawn(failing, "a delivery")
    assert await in_flight.drain(5)

    assert CANARY not in caplog.text
    assert any(
        r.levelno == logging.ERROR and "a delivery failed with ValueError" in r.getMessage()
        for r in caplog.records
    )
