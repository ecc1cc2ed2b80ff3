"""A crisis screen hit through the real core: resources to the author, an alert without a
quote to moderators, asks paused until a moderator resumes, nothing said in public."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.contract.events import MessagePosted
from bot.contract.intents import Channel, DirectTo, Notice, Send, StartThread, Thread
from bot.domain.model import CommunitySettings
from tests.support import COMMUNITY, JO, MAYA, RUTH, SAM, Harness, harness

MODS = "mods"
CRISIS = "Honestly I just want to die"
PRIVATE_KEYS = {"care.to_author"}
ALERT_KEYS = {"care.alert"}


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[Harness]:
    settings = CommunitySettings(helpers_channel="helpers", moderators_channel=MODS, country="GB")
    async with harness(database_url, settings) as running:
        yield running


def _alerts(h: Harness) -> list[Send]:
    return [s for s in h.outbox.of(Send) if s.target == Channel(channel_id=MODS)]


def _care_dms(h: Harness, member_id: str) -> list[Send]:
    return [
        s
        for s in h.outbox.of(Send)
        if s.target == DirectTo(user_id=member_id) and s.message.key == "care.to_author"
    ]


def _asks(h: Harness) -> list[Send]:
    return [s for s in h.outbox.direct_to(MAYA) if s.message.key == "outcome.ask"]


def _public(h: Harness) -> list[str]:
    """Every text shown anywhere but in a DM, a notice or the moderators' channel."""
    shown: list[str] = []
    for intent in h.outbox.sent:
        if isinstance(intent, Notice):
            continue
        if isinstance(intent, Send) and intent.target in (
            Channel(channel_id=MODS),
            *(DirectTo(user_id=m.user_id) for m in (MAYA, JO, RUTH, SAM)),
        ):
            continue
        message = getattr(intent, "message", None)
        if message is not None:
            shown.append(message.text)
    return shown


async def test_a_reply_in_crisis_reaches_its_author_and_moderators_only(h: Harness) -> None:
    thread = await h.post(MAYA)
    ref = await h.reply(JO, thread, "Same thing happened to me. " + CRISIS)
    [to_jo] = _care_dms(h, JO.user_id)
    assert "116 123" in to_jo.message.text  # the community's country: GB
    assert "not a crisis service" in to_jo.message.text
    [alert] = _alerts(h)
    assert alert.message.key == "care.alert"
    assert [link.message_ref for link in alert.message.links] == [ref]
    assert "want to die" not in alert.message.text.lower()
    assert JO.display_name not in alert.message.text
    assert [b.action_id for b in alert.message.buttons] == [f"rb:cresume:{1}"]
    assert not any("die" in text or "116 123" in text for text in _public(h))


async def test_a_crisis_post_pauses_its_asks_until_a_moderator_resumes(h: Harness) -> None:
    thread = await h.post(MAYA, body=CRISIS, ask_outcome_on="3d")
    assert len(_care_dms(h, MAYA.user_id)) == 1
    [alert] = _alerts(h)
    assert alert.message.key == "care.alert"
    # Made before the post's thread existed, the link points at it once delivered.
    assert [link.message_ref for link in alert.message.links] == [thread]
    assert CRISIS not in alert.message.text
    await h.wait(timedelta(days=10))
    assert _asks(h) == []
    resume = alert.message.buttons[0]
    refused = await h.press(JO, resume)
    assert [n.message.key for n in refused if isinstance(n, Notice)] == ["care.moderators_only"]
    await h.wait(timedelta(days=1))
    assert _asks(h) == []
    said = await h.press(SAM, resume)
    assert [n.message.key for n in said if isinstance(n, Notice)] == ["care.resumed"]
    again = await h.press(SAM, resume)
    assert [n.message.key for n in again if isinstance(n, Notice)] == ["care.already_resumed"]
    await h.wait(timedelta(hours=1))
    assert len(_asks(h)) == 1
    async with h.core.store.transaction() as repo:
        assert [kind for kind, _ in await repo.care.events(COMMUNITY, 1)] == ["alert", "resume"]


async def test_an_author_is_alerted_about_once_until_resumed(h: Harness) -> None:
    thread = await h.post(MAYA)
    await h.reply(JO, thread, CRISIS)
    await h.reply(JO, thread, "I wish I was dead")
    assert len(_alerts(h)) == 1
    assert len(_care_dms(h, JO.user_id)) == 1
    await h.reply(RUTH, thread, "I feel suicidal too")  # someone else: their own alert
    assert len(_alerts(h)) == 2
    await h.press(SAM, _alerts(h)[0].message.buttons[0])
    await h.reply(JO, thread, "still want to die")
    assert len(_care_dms(h, JO.user_id)) == 2


async def test_a_phrase_split_over_two_messages_in_a_row_is_caught(h: Harness) -> None:
    thread = await h.post(MAYA)
    await h.reply(JO, thread, "after that call I just want to")
    assert _alerts(h) == []
    await h.reply(JO, thread, "die")
    assert len(_alerts(h)) == 1
    # Someone else's words in between: the two halves are not one sentence.
    await h.reply(RUTH, thread, "honestly I want to")
    await h.reply(JO, thread, "nice")
    await h.reply(RUTH, thread, "die of embarrassment sometimes")
    assert len(_alerts(h)) == 1


async def test_a_redelivered_reply_alerts_once(h: Harness) -> None:
    thread = await h.post(MAYA)
    event = MessagePosted(
        community_id=COMMUNITY,
        event_id="ev-same",
        actor=JO,
        channel_id="support",
        message_ref="m-same",
        text=CRISIS,
        thread_ref=thread,
    )
    for _ in range(3):
        await h.send(event)
    assert len(_alerts(h)) == 1
    assert len(_care_dms(h, JO.user_id)) == 1


async def test_relayed_words_and_outcome_notes_are_screened(h: Harness) -> None:
    thread = await h.post(MAYA, anonymous="yes", ask_outcome_on="2d")
    await h.dm(MAYA, "Thanks all. " + CRISIS)
    [alert] = _alerts(h)
    assert alert.message.links[0].message_ref == thread  # the relayed copy has no id yet
    assert "Maya" not in alert.message.text
    await h.press(SAM, alert.message.buttons[0])
    await h.wait(timedelta(days=2, hours=1))
    [ask] = _asks(h)
    form = next(i for i in await h.press(MAYA, ask.message.buttons[0]) if hasattr(i, "form"))
    await h.submit(MAYA, form.form.form_id, result="not_this_time", note="I am done with life")
    assert len(_alerts(h)) == 2
    assert len(_care_dms(h, MAYA.user_id)) == 2


async def test_an_adopted_message_in_crisis_links_to_itself(h: Harness) -> None:
    event = MessagePosted(
        community_id=COMMUNITY,
        event_id="ev-adopt",
        actor=RUTH,
        channel_id="support",
        message_ref="m-root",
        text="Rejected again. I want to kill myself",
    )
    await h.send(event)
    [alert] = _alerts(h)
    assert alert.message.links[0].message_ref == "m-root"
    assert not any(isinstance(i, StartThread) for i in h.outbox.sent)
    assert not [
        s
        for s in h.outbox.of(Send)
        if s.target == Thread(thread_ref="m-root") and s.message.key in ALERT_KEYS | PRIVATE_KEYS
    ]


async def test_without_a_moderators_channel_the_alert_is_only_recorded(sqlite_url: str) -> None:
    async with harness(sqlite_url) as h:
        thread = await h.post(MAYA)
        await h.reply(JO, thread, CRISIS)
        assert len(_care_dms(h, JO.user_id)) == 1
        assert not [s for s in h.outbox.of(Send) if isinstance(s.target, Channel)]
        async with h.core.store.transaction() as repo:
            assert await repo.care.paused(COMMUNITY, [1]) == {1}
