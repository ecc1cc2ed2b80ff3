"""On Slack: a member's edits and deletions of her own post, deletions that overtake their
message, replies that overtake their thread, and catching up after downtime. Signed Events
API payloads through the real AsyncApp, against the fake Web API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from adapters.slack.catch_up import CatchUp
from adapters.slack.refs import MessageRef
from bot.domain.model import Reply
from bot.engine.catch_up import open_threads
from tests.adapters.slack.fake_slack import BOT_ID, BOT_USER, TEAM_ID, FakeSlack
from tests.adapters.slack.workspace import SUPPORT, Workspace, new_fake, workspace
from tests.support import replies_in, stored_words

LENA, PRIYA, DEV, ADE, SAM = "U0LENA", "U0PRIYA", "U0DEV", "U0ADE", "U0SAM"
COMMUNITY = f"slack:{TEAM_ID}"
OLD_STORY = "Fired from Initech after my manager Bill Lumbergh blamed me. Any advice?"
NEW_STORY = "Let go after a restructure. How do I explain it in interviews?"
SENT = ("chat.postMessage", "chat.update", "chat.postEphemeral")


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    running = new_fake()
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


def _ts(ref: str) -> str:
    return MessageRef.parse(ref).ts


async def _replies(slack: Workspace, thread: str) -> list[Reply]:
    return await replies_in(slack.adapter.core.store, COMMUNITY, thread)


async def _stored_words(slack: Workspace) -> str:
    return await stored_words(slack.adapter.core.store)


def _sent_since(slack: Workspace, count: int) -> str:
    return "\n".join(c.flat() for c in slack.fake.calls[count:] if c.method in SENT)


def _dms_to(slack: Workspace, user: str) -> list[str]:
    return [c.words for c in slack.fake.posts(f"D{user}")]


async def test_the_posters_edit_of_her_post_is_what_the_bot_shows_from_then_on(
    slack: Workspace,
) -> None:
    root = await slack.say(LENA, OLD_STORY)  # adopted: the root is her own message
    tip = await slack.say(PRIYA, "Say the role was cut; it is common.", thread=root)
    before = len(slack.fake.calls)

    edit = slack.requests.edited(
        LENA, SUPPORT, _ts(root), OLD_STORY, NEW_STORY, thread_ts=_ts(root)
    )
    await slack.event(edit)
    await slack.shortcut(LENA, "mark_best", tip)
    await slack.wait(timedelta(days=20))  # the outcome ask, and the thread's closing

    assert slack.fake.of("chat.update"), "the status message was brought up to date"
    assert any("Let go after a restructure" in text for text in _dms_to(slack, PRIYA))
    sent = _sent_since(slack, before)
    assert "Initech" not in sent and "Lumbergh" not in sent
    assert "Initech" not in await _stored_words(slack)


async def test_deleting_her_post_withdraws_it(slack: Workspace) -> None:
    root = await slack.say(LENA, OLD_STORY)
    await slack.say(PRIYA, "Say the role was cut.", thread=root)
    status = slack.fake.posts(SUPPORT)[0].ref  # the bot's status message in her thread
    before = len(slack.fake.calls)

    # A parent with replies is not deleted but turned into Slack's placeholder.
    await slack.event(slack.requests.tombstoned(LENA, SUPPORT, _ts(root), OLD_STORY))

    in_thread = [c for c in slack.fake.posts(SUPPORT) if c.params.get("thread_ts") == _ts(root)]
    assert "withdrawn" in in_thread[-1].words
    updates = [c for c in slack.fake.of("chat.update") if c.params["ts"] == _ts(status)]
    assert "withdrawn" in updates[-1].words
    assert "Initech" not in await _stored_words(slack)
    assert "Say the role was cut." in await _stored_words(slack)

    await slack.say(DEV, "A reply after it was withdrawn", thread=root)
    await slack.wait(timedelta(days=40))
    assert _dms_to(slack, LENA) == [], "no reminder, no outcome ask"
    assert "Initech" not in _sent_since(slack, before)
    assert "after it was withdrawn" not in await _stored_words(slack)


async def test_a_moderator_deleting_the_bots_root_withdraws_a_form_post(slack: Workspace) -> None:
    thread = await slack.share(LENA, title="Fired from Initech", body=OLD_STORY)
    await slack.say(PRIYA, "Say the role was cut.", thread=thread)

    gone = slack.requests.deleted(BOT_USER, SUPPORT, _ts(thread), bot_id=BOT_ID)
    await slack.event(gone)

    assert "Initech" not in await _stored_words(slack)
    assert "withdrawn" in slack.fake.posts(SUPPORT)[-1].words
    await slack.wait(timedelta(days=40))
    assert _dms_to(slack, LENA) == []


async def test_a_deletion_before_its_reply_stores_the_reply_as_deleted(slack: Workspace) -> None:
    thread = await slack.share(LENA)
    ts = slack.fake.stamp()
    await slack.event(slack.requests.deleted(PRIYA, SUPPORT, ts, thread_ts=_ts(thread)))
    late = slack.requests.message(PRIYA, "Words taken back", SUPPORT, ts=ts, thread_ts=_ts(thread))
    await slack.event(late)

    [reply] = await _replies(slack, thread)
    assert reply.deleted and reply.text == ""
    await slack.shortcut(LENA, "mark_best", f"{SUPPORT}:{ts}")
    assert "can't be best answers" in slack.fake.of("chat.postEphemeral")[-1].words


async def test_a_deleted_reply_loses_its_words(slack: Workspace) -> None:
    thread = await slack.share(LENA)
    tip = await slack.say(PRIYA, "Ask for feedback in writing.", thread=thread)
    await slack.event(slack.requests.deleted(PRIYA, SUPPORT, _ts(tip), thread_ts=_ts(thread)))
    assert "in writing" not in await _stored_words(slack)


async def test_a_reply_before_its_thread_is_recorded_is_kept(sqlite_url: str) -> None:
    async with workspace(sqlite_url, view_answer_budget_s=0.1) as slack:
        gate = slack.fake.hold("chat.postMessage")
        sharing = asyncio.create_task(slack.share(LENA))
        await slack.fake.wait_for(lambda f: any(a.method == "chat.postMessage" for a in f.arrived))
        root_ts = next(a.ts for a in slack.fake.arrived if a.method == "chat.postMessage")
        # The root is on Slack (its ts given) but Rebound has not heard back yet: the reply
        # is acknowledged (stored) while the root's delivery is still held.
        await slack.say(PRIYA, "First!", thread=f"{SUPPORT}:{root_ts}", settle=False)
        gate.set()
        thread = await sharing

        assert thread == f"{SUPPORT}:{root_ts}"
        assert [r.text for r in await _replies(slack, thread)] == ["First!"]
        assert (await slack.row_counts())["reply"] == 1


async def test_replies_written_while_away_are_recorded_once_on_start(
    sqlite_url: str, fake: FakeSlack
) -> None:
    async with workspace(sqlite_url, fake=fake) as first:
        thread = await first.share(LENA)
        await first.say(PRIYA, "Live reply", thread=thread)
        closed = await first.share(DEV, title="Another one")
    # Away: replies (and another bot's message) land in open threads.
    away = [
        fake.hold_message(SUPPORT, DEV, "While you were away", _ts(thread)),
        fake.hold_message(SUPPORT, ADE, "Me too, later", _ts(thread)),
        fake.hold_message(SUPPORT, SAM, "In the other thread", _ts(closed)),
    ]
    fake.messages[SUPPORT][away[1]]["edited"] = {"user": ADE}
    bot_note = {"type": "message", "bot_id": "B0OTHER", "text": "digest", "ts": fake.stamp()}
    fake.messages[SUPPORT][bot_note["ts"]] = {**bot_note, "thread_ts": _ts(thread)}

    async with workspace(sqlite_url, fake=fake) as second:
        as_at_start = await open_threads(second.adapter.core.store, COMMUNITY)
        assert await second.adapter.catch_up() == 3
        texts = [r.text for r in await _replies(second, thread)]
        assert texts == ["Live reply", "While you were away", "Me too, later"]
        assert [r.text for r in await _replies(second, closed)] == ["In the other thread"]
        counts = await second.row_counts()

        assert await second.adapter.catch_up() == 0, "read from the newest recorded"
        again = CatchUp(
            second.adapter.core,
            second.adapter.client,
            second.adapter.directory,
            second.adapter.outbox,
        )
        assert await again.run(COMMUNITY, as_at_start) == 3  # all read again...
        assert await second.row_counts() == counts  # ...changes nothing
        late_retry = second.requests.message(
            DEV, "While you were away", SUPPORT, ts=away[0], thread_ts=_ts(thread)
        )
        await second.event(late_retry)  # nor Slack's own (late) delivery of one of them
        assert (await second.row_counts())["reply"] == counts["reply"]
        assert len(await _replies(second, thread)) == 3


async def test_catching_up_reads_every_page(
    sqlite_url: str, fake: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("adapters.slack.catch_up.PAGE", 2)
    async with workspace(sqlite_url, fake=fake) as first:
        thread = await first.share(LENA)
    for n in range(5):
        fake.hold_message(SUPPORT, DEV, f"Reply {n}", _ts(thread))

    async with workspace(sqlite_url, fake=fake) as second:
        assert await second.adapter.catch_up() == 5
        assert [r.text for r in await _replies(second, thread)] == [f"Reply {n}" for n in range(5)]
        pages = [c for c in fake.of("conversations.replies") if c.params["ts"] == _ts(thread)]
        assert len(pages) == 3


async def test_a_stop_ends_catching_up_and_the_next_start_reads_the_rest(
    sqlite_url: str, fake: FakeSlack
) -> None:
    async with workspace(sqlite_url, fake=fake) as first:
        thread = await first.share(LENA)
    for n in range(3):
        fake.hold_message(SUPPORT, DEV, f"Reply {n}", _ts(thread))

    stop = asyncio.Event()
    stop.set()  # stopping before the first reply is handed over
    async with workspace(sqlite_url, fake=fake) as stopped:
        assert await stopped.adapter.catch_up(stop) == 0
        assert await _replies(stopped, thread) == []
    async with workspace(sqlite_url, fake=fake) as restarted:
        assert await restarted.adapter.catch_up() == 3
        assert [r.text for r in await _replies(restarted, thread)] == [
            f"Reply {n}" for n in range(3)
        ]
