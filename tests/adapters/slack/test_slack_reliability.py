"""Rate limits, server errors and slow work: retried, never early, never twice, acked first."""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import timedelta

from bot.contract.intents import Channel, Message, Send
from tests.adapters.slack.fake_slack import rate_limited, server_error
from tests.adapters.slack.workspace import HELPERS, SUPPORT, Workspace, workspace


async def test_a_429_is_retried_after_retry_after_and_delivered_once(slack: Workspace) -> None:
    slack.fake.script("chat.postMessage", rate_limited(retry_after_s=1))

    thread = await slack.share("U0LENA", title="Rejected by email")

    attempts = [c for c in slack.fake.calls if c.method == "chat.postMessage"]
    assert [c.status for c in attempts] == [429, 200]
    assert attempts[1].at - attempts[0].at >= 1.0  # never earlier than Retry-After
    assert [c.ref for c in slack.fake.posts(SUPPORT)] == [thread]


async def test_a_500_leaves_the_post_to_the_outbox_which_delivers_it_later(
    slack: Workspace,
) -> None:
    slack.fake.script("chat.postMessage", server_error())
    await slack.command("U0LENA")
    response = await slack.submit(
        "U0LENA", slack.last_modal(), title="Rejected by email", body="Short and cold."
    )

    assert response.status == 200
    assert slack.fake.posts(SUPPORT) == []
    assert (await slack.row_counts())["setback"] == 1

    await slack.wait(timedelta(minutes=5))

    roots = [c for c in slack.fake.posts(SUPPORT) if "Rejected by email" in c.words]
    assert len(roots) == 1
    # The retried root became the post's thread: replies in it are recorded.
    await slack.say("U0PRIYA", "Ask them for feedback.", thread=roots[0].ref)
    assert (await slack.row_counts())["reply"] == 1


async def test_gestures_are_stored_and_acknowledged_in_time_when_profile_lookups_hang(
    sqlite_url: str,
) -> None:
    async with workspace(sqlite_url, profile_budget_s=0.05) as ws:
        thread = await ws.share("U0LENA", anonymous="yes")
        relay = ws.fake.posts(SUPPORT)[0].button("Reply anonymously")
        ws.adapter.directory._profiles.clear()
        slow = ws.fake.hold("users.info")  # every profile lookup hangs
        opened, notices = len(ws.fake.of("views.open")), len(ws.fake.of("chat.postEphemeral"))

        answers = [
            await ws.command("U0PRIYA"),
            await ws.press("U0LENA", relay, thread),
            await ws.shortcut("U0DEV", "mark_best", thread),
        ]

        slow.set()
        # The payload's names stood in for the profiles; the work was done all the same.
        assert [r.status for r in answers] == [200, 200, 200]
        assert len(ws.fake.of("views.open")) == opened + 2
        assert len(ws.fake.of("chat.postEphemeral")) > notices
        # The share's submission, the press and the mark; the commands, answered with a
        # form alone, changed nothing and keep no record (see Store.claiming).
        assert (await ws.row_counts())["processed_event"] >= 3


async def test_a_slow_view_submission_closes_the_modal_and_the_errors_arrive_privately(
    sqlite_url: str,
) -> None:
    async with workspace(sqlite_url, view_answer_budget_s=0.05, profile_budget_s=0.5) as ws:
        await ws.command("U0LENA")
        slow = ws.fake.hold("users.info")
        ws.adapter.directory._profiles.clear()  # the next lookup goes to the (slow) API

        response = await ws.submit("U0LENA", ws.last_modal(), title="", body="")
        slow.set()

        # Answered before the decision: the modal closed; the errors came privately after.
        assert response.status == 200
        assert response.body == ""
        notice = ws.fake.of("chat.postEphemeral")[0]
        assert notice.params["user"] == "U0LENA"
        assert "empty" in notice.words
        assert (await ws.row_counts())["setback"] == 0


async def test_form_errors_go_back_into_the_modal(slack: Workspace) -> None:
    await slack.command("U0LENA")

    response = await slack.submit("U0LENA", slack.last_modal(), title="", body="x")

    assert response.status == 200
    assert '"response_action":"errors"' in response.body.replace(" ", "")
    assert "title" in response.body
    assert (await slack.row_counts())["setback"] == 0


async def test_posts_to_one_channel_are_paced(sqlite_url: str) -> None:
    async with workspace(sqlite_url, channel_interval_s=0.2) as ws:
        started = time.monotonic()  # the fake stamps arrivals with this clock
        for n in range(3):
            await ws.adapter.outbox.deliver(
                Send(target=Channel(channel_id=SUPPORT), message=Message(text=f"post {n}"))
            )
        await ws.adapter.outbox.deliver(
            Send(target=Channel(channel_id=HELPERS), message=Message(text="elsewhere"))
        )

        times = [c.at for c in ws.fake.posts(SUPPORT)]
        assert len(times) == 3
        # Post n's slot is n intervals after the first, which was taken after `started`; a
        # busy machine only delays arrivals, so these bounds hold under any load (gaps
        # between arrivals do not: a late first arrival shrinks the next gap). Less a
        # little: the event loop may fire a timer up to its clock resolution early.
        assert all(at - started >= 0.2 * n - 0.01 for n, at in enumerate(times)), times
        assert len(ws.fake.posts(HELPERS)) == 1


async def test_the_tick_loop_sends_due_follow_ups_by_dm(slack: Workspace) -> None:
    await slack.share("U0LENA", ask_outcome_on="3d")
    slack.clock.advance(timedelta(days=3, hours=1))

    ticking = asyncio.create_task(slack.adapter.tick_forever(interval_s=0.01, senders=2))
    try:
        await slack.fake.wait_for(lambda fake: any("turn out" in t for t in fake.texts("DU0LENA")))
    finally:
        ticking.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticking

    assert len([t for t in slack.fake.texts("DU0LENA") if "turn out" in t]) == 1


async def test_no_profile_lookup_for_other_channels_or_redeliveries(slack: Workspace) -> None:
    elsewhere = slack.requests.message("U0TOMAS", "Lunch?", "C0RANDOM", ts="7.1")
    reaction = slack.requests.reaction("U0DEV", "tada", "C0RANDOM", "7.1")
    await slack.event(elsewhere)
    await slack.event(reaction)
    assert slack.fake.of("users.info") == []
    assert (await slack.row_counts())["processed_event"] == 0

    adoptable = slack.requests.message(
        "U0TOMAS", "Rejected after the final round.", SUPPORT, ts="7.2"
    )
    await slack.event(adoptable, event_id="EvONCE")
    slack.adapter.directory._profiles.clear()  # a redelivery after the cache has expired
    await slack.event(adoptable, event_id="EvONCE")

    assert len(slack.fake.of("users.info")) == 1
    assert (await slack.row_counts())["setback"] == 1
