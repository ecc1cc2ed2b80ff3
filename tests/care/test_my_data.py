"""Members' data through the real core, on SQLite and PostgreSQL: the export, forget-me
(every row gone, once, through an outage), and the choice of no direct messages."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import text

from bot.contract.intents import DirectTo, EditMessage, Intent, Notice, Send, SendFile
from bot.contract.ports import Attempt, Delivered, DeliveryFailed
from bot.domain.model import CommunitySettings
from bot.features.my_data.export import split
from tests.care.care_support import button, press
from tests.support import JO, MAYA, RUTH, Harness, RecordingOutbox, harness, stored_words

MAYA_WORDS = "Maya's canary story about the panel"
JO_WORDS = "Jo's canary advice: write to the recruiter"


@pytest.fixture
async def h(database_url: str) -> AsyncIterator[Harness]:
    settings = CommunitySettings(helpers_channel="helpers", moderators_channel="mods")
    async with harness(database_url, settings) as running:
        yield running


def _files(intents: list[Intent]) -> list[SendFile]:
    return [i for i in intents if isinstance(i, SendFile)]


async def _story(h: Harness) -> str:
    """Maya posts anonymously and by name, Jo and Ruth reply, Maya marks and appreciates."""
    anonymous = await h.post(MAYA, title="Ghosted", body=MAYA_WORDS, anonymous="yes")
    named = await h.post(MAYA, title="Froze", body="Named post")
    jo_reply = await h.reply(JO, anonymous, JO_WORDS)
    await h.reply(RUTH, named, "Ruth's words")
    await h.dm(MAYA, "Thank you, relayed words")
    await h.mark(MAYA, jo_reply)
    await h.react(MAYA, jo_reply, "+1")
    await h.wait(timedelta(days=15))  # outcome asks go out
    return anonymous


async def test_the_export_holds_everything_about_the_member_and_nobody_else(h: Harness) -> None:
    await _story(h)
    [file] = _files(await h.command(MAYA, "rebound", "my-data"))
    assert file.user_id == MAYA.user_id and file.filename.endswith("-1-of-1.json")
    data = json.loads(file.content)
    assert {p["title"] for p in data["posts"]} == {"Ghosted", "Froze"}
    assert any(p["anonymous"] for p in data["posts"])  # their anonymous post is theirs
    assert [r["text"] for r in data["replies"]] == ["Thank you, relayed words"]
    assert len(data["best_marks_given"]) == 1 and len(data["appreciations_given"]) == 1
    assert data["settings"] == {"direct_messages": True}
    assert JO_WORDS not in file.content.decode() and JO.user_id not in file.content.decode()

    [jo_file] = _files(await h.command(JO, "rebound", "my-data"))
    jo_data = json.loads(jo_file.content)
    assert [r["text"] for r in jo_data["replies"]] == [JO_WORDS]
    assert jo_data["posts"] == []
    exported = jo_file.content.decode()
    assert MAYA.user_id not in exported and "Maya" not in exported  # the anonymous poster


def test_a_big_export_is_split_into_complete_documents_under_the_limit() -> None:
    replies = [{"id": n, "text": "x" * 200} for n in range(1000)]
    parts = split({"format": "f"}, {"replies": replies, "settings": {"a": 1}}, limit=50_000)
    assert len(parts) > 1
    assert all(len(part) <= 50_000 for part in parts)
    documents = [json.loads(part) for part in parts]
    assert [d["part"] for d in documents] == list(range(1, len(parts) + 1))
    assert {d["parts"] for d in documents} == {len(parts)}
    assert [r["id"] for d in documents for r in d.get("replies", [])] == list(range(1000))


async def _rows(h: Harness, sql: str) -> int:
    async with h.core.store.engine.connect() as db:
        return int((await db.execute(text(sql))).scalar_one())


async def test_forget_me_removes_every_row_once(h: Harness) -> None:
    await _story(h)
    await h.command(JO, "rebound", "settings")
    asked = await h.command(JO, "rebound", "forget-me")
    confirm = button(asked, "rb:forget:")
    first = await press(h, JO, confirm)
    second = await press(h, JO, confirm)  # a double click
    await press(h, JO, confirm, event_id="ev-redelivered")
    await press(h, JO, confirm, event_id="ev-redelivered")
    assert [n.message.key for n in first if isinstance(n, Notice)] == ["forget.done"]
    assert [n.message.key for n in second if isinstance(n, Notice)] == ["forget.already"]
    assert await _rows(h, "SELECT count(*) FROM reply WHERE author_id = 'U-jo'") == 0
    assert await _rows(h, "SELECT count(*) FROM appreciation WHERE member_id = 'U-jo'") == 0
    assert await _rows(h, "SELECT count(*) FROM member_setting WHERE member_id = 'U-jo'") == 0
    assert JO_WORDS not in await stored_words(h.core.store)
    assert "Ruth's words" in await stored_words(h.core.store)  # others' words stay

    asked = await h.command(MAYA, "rebound", "forget-me")
    done = await press(h, MAYA, button(asked, "rb:forget:"))
    edits = [i for i in done if isinstance(i, EditMessage)]
    assert {e.message.key for e in edits} == {"forget.removed_post"}
    assert len(edits) == 3  # two roots the bot posted, one relayed reply
    words = await stored_words(h.core.store)
    assert MAYA_WORDS not in words and "Ghosted" not in words and "relayed words" not in words
    assert await _rows(h, "SELECT count(*) FROM setback WHERE poster_name <> ''") == 0
    assert await _rows(h, "SELECT count(*) FROM follow_up WHERE done_at IS NULL") == 0
    assert await _rows(h, "SELECT count(*) FROM outcome_update") == 0
    assert await _rows(h, "SELECT count(*) FROM appreciation WHERE member_id = 'U-maya'") == 0
    assert await _rows(h, "SELECT count(*) FROM reply WHERE best_marked_by = 'U-maya'") == 0

    [after] = _files(await h.command(MAYA, "rebound", "my-data"))
    assert after.message.key == "my_data.forgotten_only"
    assert set(json.loads(after.content)) == {
        "format",
        "community",
        "exported_at",
        "part",
        "parts",
        "forgotten_at",
    }


@dataclass
class DownOutbox(RecordingOutbox):
    """A platform that refuses edits until it is back up."""

    down: bool = True
    refused: list[Intent] = field(default_factory=list)

    async def deliver(self, intent: Intent, attempt: Attempt | None = None) -> Delivered | None:
        if self.down and isinstance(intent, EditMessage):
            self.refused.append(intent)
            raise DeliveryFailed("platform_down", answered=True)
        return await super().deliver(intent, attempt)


async def test_forget_me_during_an_outage_completes_and_edits_later(h: Harness) -> None:
    await h.post(MAYA, body=MAYA_WORDS)
    h.outbox = DownOutbox()
    asked = await h.command(MAYA, "rebound", "forget-me")
    await press(h, MAYA, button(asked, "rb:forget:"))
    assert MAYA_WORDS not in await stored_words(h.core.store)
    assert len(h.outbox.refused) == 1 and h.outbox.of(EditMessage) == []
    h.outbox.down = False
    await h.wait(timedelta(minutes=5))
    [edit] = h.outbox.of(EditMessage)  # from the stored row: its text, not its key
    assert edit == h.outbox.refused[0]
    assert "removed by its author" in edit.message.text


async def test_opted_out_members_get_no_dm_and_find_their_asks_waiting(h: Harness) -> None:
    thread = await h.post(MAYA, ask_outcome_on="3d")
    reply = await h.reply(JO, thread, "A tip")
    await h.mark(MAYA, reply)  # Jo is told by DM, with the opt-out button
    [told] = h.outbox.direct_to(JO)
    stop = button([told], "rb:dmoff")
    await press(h, JO, stop)
    await press(h, MAYA, stop)
    h.outbox.clear()
    other = await h.reply(RUTH, thread, "Another tip")
    await h.mark(MAYA, other)
    await h.wait(timedelta(days=5))
    assert h.outbox.direct_to(MAYA) == []  # no outcome ask, no reminder
    assert [
        s
        for s in h.outbox.of(Send)
        if isinstance(s.target, DirectTo) and s.target.user_id in {MAYA.user_id}
    ] == []
    waiting = await h.command(MAYA, "rebound", "mine")
    keys = [n.message.key for n in waiting if isinstance(n, Notice)]
    # The overview of the member's posts, then the ask waiting for them, with its buttons.
    assert keys == ["home.posts_heading", "mine.heading", "outcome.ask"]
    shown = await h.command(MAYA, "rebound", "settings")
    assert [n.message.key for n in shown if isinstance(n, Notice)] == ["settings.dm_off"]
    await press(h, MAYA, button(shown, "rb:dmon"))
    await h.wait(timedelta(hours=2))
    assert [s.message.key for s in h.outbox.direct_to(MAYA)] == ["outcome.ask"]
