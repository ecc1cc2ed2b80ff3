"""Moderators and the library on Slack, through signed requests and the real app: the
*Feature in library* and *Hide or unhide reply* shortcuts open modals for moderators only,
`/rebound library` answers privately, `/rebound audit` shows what moderators did, and
`/rebound lock` locks the post for members."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from adapters.slack.refs import MessageRef
from tests.adapters.slack.fake_slack import Call
from tests.adapters.slack.workspace import SUPPORT, Workspace, settings

LENA, PRIYA, SAM = "U0LENA", "U0PRIYA", "U0SAM"


def _ephemeral_to(slack: Workspace, user: str) -> list[Call]:
    return [c for c in slack.fake.of("chat.postEphemeral") if c.params["user"] == user]


async def _featured(slack: Workspace) -> tuple[str, str]:
    thread = await slack.share(LENA, title="Froze in the SQL screen", body="Blank on joins.")
    tip = await slack.say(PRIYA, "Practise SQL joins out loud the day before.", thread=thread)
    await slack.shortcut(SAM, "feature_answer", tip)
    modal = slack.last_modal()
    assert modal["callback_id"].startswith("rb:form:feature:")
    response = await slack.submit(
        SAM, modal, topic="Technical interviews", summary="Practise joins out loud"
    )
    assert response.status == 200 and "errors" not in response.body, response.body
    return thread, tip


async def test_a_moderator_features_a_reply_and_members_find_it(slack: Workspace) -> None:
    await _featured(slack)
    assert "is in the library" in _ephemeral_to(slack, SAM)[-1].words
    await slack.command(PRIYA, "/rebound", text="library joins")
    found = _ephemeral_to(slack, PRIYA)[-1]
    assert "Practise joins out loud" in found.words
    await slack.command(SAM, "/rebound", text="audit")
    assert "Sam featured a reply" in _ephemeral_to(slack, SAM)[-1].words
    assert all("Practise joins" not in p.words for p in slack.fake.posts(SUPPORT))


async def test_members_who_do_not_moderate_get_no_modal_and_change_nothing(
    slack: Workspace,
) -> None:
    thread = await slack.share(LENA)
    tip = await slack.say(PRIYA, "Ask for two lines of feedback.", thread=thread)
    opened = len(slack.fake.of("views.open"))
    for shortcut in ("feature_answer", "hide_reply"):
        await slack.shortcut(PRIYA, shortcut, tip)
        assert "Only moderators" in _ephemeral_to(slack, PRIYA)[-1].words
    await slack.command(PRIYA, "/rebound", text="audit")
    assert "Only moderators" in _ephemeral_to(slack, PRIYA)[-1].words
    assert len(slack.fake.of("views.open")) == opened
    await slack.command(SAM, "/rebound", text="audit")
    assert "No moderator actions" in _ephemeral_to(slack, SAM)[-1].words


async def test_a_hidden_reply_leaves_the_library(slack: Workspace) -> None:
    _, tip = await _featured(slack)
    await slack.shortcut(SAM, "hide_reply", tip)
    modal = slack.last_modal()
    assert modal["callback_id"].startswith("rb:form:hide:")
    empty = await slack.submit(SAM, modal, reason="")
    assert "errors" in empty.body  # a reason is required, shown beside the field
    await slack.submit(SAM, modal, reason="Names a colleague")
    assert "is hidden" in _ephemeral_to(slack, SAM)[-1].words
    await slack.command(PRIYA, "/rebound", text="library joins")
    assert "Nothing in the library" in _ephemeral_to(slack, PRIYA)[-1].words


async def test_a_locked_post_takes_no_replies_from_members(slack: Workspace) -> None:
    thread = await slack.share(LENA)
    await slack.command(SAM, "/rebound", text=f"lock {thread} Cooling off")
    assert "is locked" in _ephemeral_to(slack, SAM)[-1].words
    note = slack.fake.posts(SUPPORT)[-1]
    assert "locked this thread" in note.words and "Cooling off" in note.words
    await slack.say(PRIYA, "One more thought", thread=thread)
    assert "closed" in _ephemeral_to(slack, PRIYA)[-1].words


def test_the_digest_day_and_hour_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REBOUND_DIGEST_WEEKDAY", "4")
    monkeypatch.setenv("REBOUND_DIGEST_HOUR", "16")
    community = settings("http://127.0.0.1:9/api/").community_settings()
    assert (community.digest_weekday, community.digest_hour) == (4, 16)
    monkeypatch.setenv("REBOUND_DIGEST_WEEKDAY", "9")
    with pytest.raises(ValidationError):
        settings("http://127.0.0.1:9/api/").community_settings()
    monkeypatch.delenv("REBOUND_DIGEST_WEEKDAY")
    assert settings("http://127.0.0.1:9/api/").community_settings().digest_weekday is None


async def test_a_library_hit_is_posted_into_the_askers_own_thread_once(slack: Workspace) -> None:
    _, tip = await _featured(slack)
    await slack.command(PRIYA, "/rebound", text="library joins")
    found = _ephemeral_to(slack, PRIYA)[-1]
    share = found.button("Post in my thread: Practise joins out loud")
    await slack.press(PRIYA, share, tip)
    assert "no open post" in _ephemeral_to(slack, PRIYA)[-1].words  # refused, privately
    assert all("From the library" not in p.words for p in slack.fake.posts(SUPPORT))

    thread = await slack.share(PRIYA, title="Blanked on joins too", body="Same screen.")
    thread_ts = MessageRef.parse(thread).ts
    payload = slack.requests.button(PRIYA, slack.name(PRIYA), share, SUPPORT, thread_ts)
    await slack.interact(payload)
    await slack.interact(payload)  # the same press delivered twice
    posted = [p for p in slack.fake.posts(SUPPORT) if "From the library" in p.words]
    assert len(posted) == 1
    assert posted[0].params["thread_ts"] == thread_ts
    assert "Practise joins out loud" in posted[0].words
    assert "Posted in your thread" in _ephemeral_to(slack, PRIYA)[-1].words
    await slack.press(PRIYA, share, thread)  # pressed again later
    assert "already" in _ephemeral_to(slack, PRIYA)[-1].words
    assert len([p for p in slack.fake.posts(SUPPORT) if "From the library" in p.words]) == 1
