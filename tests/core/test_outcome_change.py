"""An update is shared once; a change of heart is made on purpose and shown as a change."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.contract.intents import EditMessage, Form, Message, Notice, OpenForm, Send, Thread
from bot.store.statements import OUTCOME
from tests.support import JO, MAYA, RUTH, Harness, form_in, harness, words


@pytest.fixture
async def h(sqlite_url: str) -> AsyncIterator[Harness]:
    async with harness(sqlite_url) as h:
        yield h


def _thread_posts(h: Harness, thread: str) -> list[Message]:
    return [s.message for s in h.outbox.of(Send) if s.target == Thread(thread_ref=thread)]


def _initial(form: Form, name: str) -> str | tuple[str, ...]:
    return next(f.initial for f in form.fields if f.name == name)


async def _shared(h: Harness) -> str:
    """Maya's post, two replies, and her update shared from the ask; the thread ref."""
    thread = await h.post(MAYA, title="Case study froze me", ask_outcome_on="3d")
    await h.reply(JO, thread, "Practise with a timer.")
    await h.reply(RUTH, thread, "Ask for feedback.")
    await h.wait(timedelta(days=3))
    ask = next(s for s in h.outbox.direct_to(MAYA) if s.message.buttons)
    form = form_in(await h.press(MAYA, ask.message.buttons[0]))
    await h.submit(MAYA, form.form_id, result="worked", note="Second round on Friday.")
    return thread


async def test_sharing_again_is_refused_with_a_way_to_change_the_update(h: Harness) -> None:
    thread = await _shared(h)
    ask = next(s for s in h.outbox.direct_to(MAYA) if s.message.buttons)
    told = {member: len(h.outbox.direct_to(member)) for member in (JO, RUTH)}

    again = await h.press(MAYA, ask.message.buttons[0])

    assert not [i for i in again if isinstance(i, OpenForm)]
    refusal = next(i for i in again if isinstance(i, Notice))
    assert refusal.message.key == "outcome.already_shared"
    [change] = refusal.message.buttons
    assert change.label == words("button.change_update")
    changing = form_in(await h.press(MAYA, change))
    assert _initial(changing, "result") == "worked"
    assert _initial(changing, "note") == "Second round on Friday."

    # Sent unchanged (a double click), nothing is posted.
    unchanged = await h.submit(
        MAYA, changing.form_id, result="worked", note="Second round on Friday."
    )
    assert next(i for i in unchanged if isinstance(i, Notice)).message.key == "outcome.unchanged"
    assert [m.key for m in _thread_posts(h, thread)] == ["outcome.update.headline"]

    # Changed on purpose: the thread is told it changed, the helpers are not told twice.
    await h.submit(MAYA, changing.form_id, result="not_this_time", note="They chose someone else.")
    posts = _thread_posts(h, thread)
    assert [m.key for m in posts] == ["outcome.update.headline", "outcome.update.changed_headline"]
    assert posts[-1].params["result"] == words("result.not_this_time")
    assert "They chose someone else." in posts[-1].text  # her new words
    assert {member: len(h.outbox.direct_to(member)) for member in (JO, RUTH)} == told
    async with h.core.store.engine.connect() as db:
        rows = (await db.execute(select(OUTCOME.c.result, OUTCOME.c.changed_at))).all()
    assert len(rows) == 1
    assert rows[0].result == "not_this_time" and rows[0].changed_at is not None


async def test_the_answered_ask_loses_its_buttons(h: Harness) -> None:
    await _shared(h)
    ask = next(s for s in h.outbox.direct_to(MAYA) if s.message.buttons)
    edit = next(e for e in h.outbox.of(EditMessage) if e.message_ref == h.outbox.ref_of(ask))
    assert edit.message.buttons == ()
    assert edit.message.key == "outcome.ask_answered"
    assert edit.message.params["title"] == "Case study froze me"
