"""Odd or hostile input gets a friendly answer and changes nothing; nothing crashes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bot.contract.events import ButtonPressed, FormSubmitted, MessagePosted
from bot.contract.intents import Notice, RejectForm, StartThread
from bot.features.care import crisis
from bot.store.engine import create_engine
from tests.support import COMMUNITY, JO, MAYA, Harness, form_in, harness


@pytest.fixture
async def h(sqlite_url: str) -> AsyncIterator[Harness]:
    async with harness(sqlite_url) as running:
        yield running


@pytest.mark.parametrize(
    "action_id",
    [
        "rb:appreciate:99999999999999999999",
        f"rb:snooze:{2**63}",
        "rb:appreciate:²",
        "rb:outcome:abc:worked",
        "rb:appreciate:",
        "rb:nonsense:1",
        "rb",
        "",
    ],
)
async def test_malformed_buttons_are_explained(h: Harness, action_id: str) -> None:
    event = ButtonPressed(community_id=COMMUNITY, event_id="b1", actor=JO, action_id=action_id)
    intents = await h.send(event)
    assert len(intents) == 1
    assert isinstance(intents[0], Notice)
    assert intents[0].message.key in {"error.unknown_action", "error.unknown_message"}


@pytest.mark.parametrize(
    "values",
    [
        {"title": "t", "body": "b", "ask_outcome_on": "²d"},
        {"title": "t", "body": "b", "stage": None},
        {"title": "t", "body": "b", "tags": [None, "ok"]},
        {"title": None, "body": "b"},
        {"title": ["a", 3], "body": "b"},
    ],
)
async def test_strange_form_values_never_crash(h: Harness, values: dict[str, object]) -> None:
    form = form_in(await h.command(MAYA))
    event = FormSubmitted(
        community_id=COMMUNITY,
        event_id="f1",
        actor=MAYA,
        form_id=form.form_id,
        values=values,  # type: ignore[arg-type]
    )
    intents = await h.send(event)
    started = [i for i in intents if isinstance(i, StartThread)]
    rejected = [i for i in intents if isinstance(i, RejectForm)]
    assert len(started) + len(rejected) == 1


async def test_an_outcome_naming_an_odd_reply_is_refused(h: Harness) -> None:
    thread = await h.post(MAYA, ask_outcome_on="1d")
    await h.reply(JO, thread, "Try again.")
    form = form_in(
        await h.send(
            ButtonPressed(
                community_id=COMMUNITY, event_id="o", actor=MAYA, action_id="rb:outcome:1:worked"
            )
        )
    )
    for odd in ("²", "99999999999999999999", "-1"):
        intents = await h.submit(MAYA, form.form_id, result="worked", acted_on=odd)
        assert [type(i) for i in intents] == [RejectForm]


async def test_a_message_adopted_under_two_event_ids_is_one_post(h: Harness) -> None:
    for event_id in ("message-1", "mention-1"):
        event = MessagePosted(
            community_id=COMMUNITY,
            event_id=event_id,
            actor=JO,
            channel_id="support",
            message_ref="root-1",
            text="Ghosted after three rounds.",
        )
        await h.send(event)
    async with h.core.store.transaction() as repo:
        assert len(await repo.posts_by_id(COMMUNITY, [1, 2])) == 1


async def test_database_errors_do_not_carry_members_words(sqlite_url: str) -> None:
    """Exceptions end up in logs: SQL parameters (names, ids, text) must not be in them."""

    engine = create_engine(sqlite_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE t (x TEXT UNIQUE)"))
            await connection.execute(text("INSERT INTO t VALUES (:x)"), {"x": "Secret Name"})
        with pytest.raises(IntegrityError) as caught:
            async with engine.begin() as connection:
                await connection.execute(text("INSERT INTO t VALUES (:x)"), {"x": "Secret Name"})
        assert "Secret Name" not in str(caught.value)
    finally:
        await engine.dispose()


async def test_an_unexpected_failure_changes_nothing_and_gives_the_text_back(
    h: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    thread = await h.post(MAYA)

    async def broken(*_args: object, **_kwargs: object) -> None:
        # Built at run time, so the words are in the message but not in the source line.
        raise ValueError(" ".join(["quoting the member:", "Private", "Words"]))

    monkeypatch.setattr(crisis, "answer_reply", broken)  # after the reply is stored
    intents = await h.send(
        MessagePosted(
            community_id=COMMUNITY,
            event_id="r1",
            actor=JO,
            channel_id="support",
            message_ref="m-r1",
            text="Private Words",
            thread_ref=thread,
        )
    )
    assert [type(i) for i in intents] == [Notice]
    notice = intents[0]
    assert isinstance(notice, Notice)
    assert notice.user_id == JO.user_id
    # Not stored, so the member's own words come back to them privately, with the reason.
    assert notice.message.key == "error.not_saved"
    assert dict(notice.message.params) == {"text": "Private Words"}
    assert notice.message.text.endswith("Private Words")
    async with h.core.store.transaction() as repo:
        assert await repo.reply_by_ref(COMMUNITY, "m-r1") is None
    assert "ValueError" in caplog.text
    assert "Private Words" not in caplog.text
