"""Private messages on Slack: posted to the member's id, which Slack takes for their DM, in
one call (no `conversations.open`, which Slack limits far more tightly than posts); later
ones go to the DM itself, paced with the first as one place."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adapters.slack import outbox as outbox_module
from bot.contract.intents import DirectTo, EditMessage, Message, Send
from bot.contract.ports import Attempt
from tests.adapters.slack.workspace import Workspace, workspace

LENA = "U0LENA"


def _words(text: str) -> Message:
    return Message(text=text)


def _private(text: str) -> Send:
    return Send(target=DirectTo(user_id=LENA), message=_words(text))


def _asks(slack: Workspace) -> list[str]:
    return [c.params["channel"] for c in slack.fake.posts(f"D{LENA}") if "turn out" in c.words]


async def test_a_first_private_message_is_one_post_to_the_members_id(slack: Workspace) -> None:
    await slack.share(LENA, ask_outcome_on="3d")
    await slack.wait(timedelta(days=3, hours=1))

    ask = next(c for c in slack.fake.posts(f"D{LENA}") if "turn out" in c.words)
    assert ask.params["channel"] == LENA
    assert ask.ref.startswith(f"D{LENA}:")  # what its buttons and edits refer to
    assert slack.fake.of("conversations.open") == []

    # Asked again a week later: straight to the DM Slack named.
    await slack.press(LENA, ask.button("Ask me in a week"), ask.ref)
    await slack.wait(timedelta(days=8))
    assert _asks(slack) == [LENA, f"D{LENA}"]
    assert slack.fake.of("conversations.open") == []


async def test_a_dm_edited_and_posted_again_by_its_id_and_the_members_is_paced_as_one(
    sqlite_url: str,
) -> None:
    async with workspace(sqlite_url, channel_interval_s=0.4) as slack:
        outbox = slack.adapter.outbox
        first = await outbox.deliver(
            Send(target=DirectTo(user_id=LENA), message=Message(text="One"))
        )
        second = await outbox.deliver(
            Send(target=DirectTo(user_id=LENA), message=Message(text="Two"))
        )
        assert first is not None and second is not None
        assert first.message_ref.startswith(f"D{LENA}:")
        await outbox.deliver(
            EditMessage(message_ref=first.message_ref, message=Message(text="Uno"))
        )

        posted = slack.fake.posts(f"D{LENA}")
        assert [c.params["channel"] for c in posted] == [LENA, f"D{LENA}"]
        assert posted[1].at - posted[0].at >= 0.35  # one place: the channel interval held
        edit = slack.fake.of("chat.update")[-1]
        assert edit.params["channel"] == f"D{LENA}" and edit.params["ts"] == posted[0].ref[-17:]


async def test_a_retry_that_may_have_posted_looks_in_the_dm_first(slack: Workspace) -> None:
    """An earlier try's outcome is unknown: the DM is opened to read its history, and the
    message found there is not posted again."""
    attempt = Attempt(
        key="42", maybe_sent_since=datetime.now(UTC) - timedelta(minutes=1), started_at=None
    )
    intent = _private("Found it")
    sent = await slack.adapter.outbox.deliver(intent, attempt)
    assert sent is not None
    again = await slack.adapter.outbox.deliver(intent, attempt)
    assert again is not None and again.message_ref == sent.message_ref

    assert [c.params["users"] for c in slack.fake.of("conversations.open")] == [LENA]
    assert len(slack.fake.posts(f"D{LENA}")) == 1
    assert slack.fake.of("conversations.history")


async def test_what_the_outbox_remembers_of_dms_is_bounded(
    slack: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Forgotten, a DM costs nothing more: the next message goes to the member's id again."""
    monkeypatch.setattr(outbox_module, "CACHE_KEPT", 2)
    members = ["U0LENA", "U0DEV", "U0SAM"]
    for user in members:
        await slack.adapter.outbox.deliver(
            Send(target=DirectTo(user_id=user), message=_words("Hello"))
        )
    caches = slack.adapter.outbox._caches
    assert caches.dm_channels == {"U0SAM": "DU0SAM"}
    assert caches.dm_members == {"DU0SAM": "U0SAM"}
    await slack.adapter.outbox.deliver(_private("Again"))
    assert slack.fake.posts("DU0LENA")[-1].params["channel"] == LENA
    assert slack.fake.of("conversations.open") == []
