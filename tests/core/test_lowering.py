"""Where a platform lacks a capability, the core degrades instead of failing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.contract.intents import (
    DirectTo,
    Notice,
    OpenForm,
    RejectForm,
    Send,
    SetThreadTags,
    StartThread,
)
from bot.contract.ports import Capabilities
from tests.support import JO, MAYA, Harness, RecordingOutbox, harness


async def _limited(sqlite_url: str, **missing: bool) -> AsyncIterator[Harness]:
    async with harness(sqlite_url) as h:
        h.outbox = RecordingOutbox(capabilities=Capabilities(tags=True, **missing))
        yield h


@pytest.fixture
async def no_forms_or_buttons(sqlite_url: str) -> AsyncIterator[Harness]:
    async for h in _limited(sqlite_url, forms=False, buttons=False):
        yield h


def _last_dm(h: Harness, member_id: str) -> str:
    return [s for s in h.outbox.of(Send) if s.target == DirectTo(user_id=member_id)][
        -1
    ].message.text


async def test_without_ephemeral_messages_a_notice_travels_as_a_dm(sqlite_url: str) -> None:
    async for h in _limited(sqlite_url, ephemeral=False):
        await h.command(JO, "dance")
        assert h.outbox.of(Notice) == []
        assert "dance" in _last_dm(h, JO.user_id)


async def test_without_tags_the_status_line_carries_the_state(sqlite_url: str) -> None:
    async with harness(sqlite_url) as h:
        h.outbox = RecordingOutbox(capabilities=Capabilities(tags=False))
        thread = await h.post(MAYA, stage="final_round", kind="rejected")
        tip = await h.reply(JO, thread, "Write to them.")
        await h.mark(MAYA, tip)
        assert h.outbox.of(SetThreadTags) == []
        assert h.outbox.of(StartThread)[0].tags == ()
        assert "Best answers:" in h.outbox.texts()[-3]


async def test_with_tags_the_thread_starts_tagged_and_tags_follow_the_state(
    sqlite_url: str,
) -> None:
    async with harness(sqlite_url) as h:
        thread = await h.post(MAYA, stage="final_round", kind="rejected")
        tip = await h.reply(JO, thread, "Write to them.")
        await h.mark(MAYA, tip)
        content = h.core.content
        stage, kind = content.render("stage.final_round"), content.render("kind.rejected")
        assert h.outbox.of(StartThread)[0].tags == (stage, kind)
        assert h.outbox.of(SetThreadTags)[-1].tags == (stage, kind, content.render("tag.answered"))


async def test_without_forms_a_post_is_made_by_private_conversation(
    no_forms_or_buttons: Harness,
) -> None:
    h = no_forms_or_buttons
    opened = await h.command(MAYA)
    assert not any(isinstance(intent, OpenForm) for intent in opened)
    assert h.outbox.of(OpenForm) == []
    assert "A short title" in _last_dm(h, MAYA.user_id)
    await h.dm(MAYA, "x" * 151)
    assert "151 characters" in _last_dm(h, MAYA.user_id)
    assert "A short title" in _last_dm(h, MAYA.user_id)
    for answer in ["Froze on the take-home review", "What happened", "2", "2", "nerves", "yes"]:
        await h.dm(MAYA, answer)
    await h.dm(MAYA, "yesterday")
    assert "need another look" in _last_dm(h, MAYA.user_id)
    assert "When should I check in" in _last_dm(h, MAYA.user_id)
    assert h.outbox.of(StartThread) == []
    await h.dm(MAYA, "10d")
    (start,) = h.outbox.of(StartThread)
    assert start.message.text.startswith("Froze on the take-home review")
    assert "anonymous" in (start.message.author or "")
    assert start.message.buttons == ()  # no buttons on this platform
    assert h.outbox.of(RejectForm) == []


async def test_a_bad_choice_is_asked_again_and_cancel_stops(no_forms_or_buttons: Harness) -> None:
    h = no_forms_or_buttons
    await h.command(MAYA)
    await h.dm(MAYA, "A title")
    await h.dm(MAYA, "A story")
    await h.dm(MAYA, "lunch")
    assert "isn't one of the choices" in _last_dm(h, MAYA.user_id)
    assert "How far you got" in _last_dm(h, MAYA.user_id)
    await h.dm(MAYA, "cancel")
    assert h.outbox.keys()[-1] == "conversation.cancelled"
    await h.dm(MAYA, "hello")  # no conversation any more: an ordinary private message
    assert h.outbox.keys()[-1] == "relay.no_post"
    assert h.outbox.of(StartThread) == []


async def test_without_buttons_the_outcome_ask_is_answered_by_number(
    no_forms_or_buttons: Harness,
) -> None:
    h = no_forms_or_buttons
    await h.command(MAYA)
    for answer in ["Ghosted after the final", "Silence for weeks", "5", "3", "skip", "no", "2d"]:
        await h.dm(MAYA, answer)
    thread = h.outbox.ref_of(h.outbox.of(StartThread)[0])
    await h.reply(JO, thread, "Send one polite nudge.")
    await h.wait(timedelta(days=2))
    ask = _last_dm(h, MAYA.user_id)
    assert h.outbox.keys()[-1] == "outcome.ask"
    assert "1) It worked" in ask
    assert "7) Stop asking" in ask
    await h.dm(MAYA, "1")  # It worked: opens the outcome form, here as a conversation
    assert "How did it turn out?" in _last_dm(h, MAYA.user_id)
    for answer in ["1", "2", "1", "They replied the next day!"]:
        await h.dm(MAYA, answer)
    update = [s for s in h.outbox.of(Send) if "Update from" in s.message.text]
    assert len(update) == 1
    assert "It worked" in update[0].message.text
    assert "Jo" in update[0].message.text
