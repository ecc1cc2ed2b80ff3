"""The demo story on Slack, checked on what the fake Web API received; and privacy."""

from __future__ import annotations

import json
import logging

import pytest

from tests.adapters.slack.demo_story import DEV, PRIYA, TOMAS, play
from tests.adapters.slack.fake_slack import Call, member
from tests.adapters.slack.workspace import SUPPORT, workspace

CANARY_ID = "U0CANARY93"
CANARY_NAME = "Quillon Marchbanks"

VISIBLE = ("chat.postMessage", "chat.update", "chat.postEphemeral", "views.open", "views.publish")


async def test_the_demo_story_plays_out_on_slack(database_url: str) -> None:
    async with workspace(database_url) as slack:
        story = await play(slack)
    fake = slack.fake

    root = next(c for c in fake.posts(SUPPORT) if c.ref == story.lena_post)
    assert root.params["username"].endswith("(the poster, anonymous)")
    assert "!channel" not in root.words.replace("!\u200bchannel", "")  # neutralised, no ping
    relayed = [
        c
        for c in fake.posts(SUPPORT)
        if c.params.get("thread_ts") == story.lena_post.split(":")[1]
        and c.params.get("username") == root.params["username"]
    ]
    assert any("drafting the note tonight" in c.words for c in relayed)

    adopted = [c for c in fake.posts(SUPPORT) if c.words.startswith("Thanks for sharing this")]
    assert adopted[0].params["thread_ts"] == story.tomas_post.split(":")[1]

    refusals = [c for c in fake.of("chat.postEphemeral") if c.params["user"] == DEV]
    assert any("Only the person" in _words(c) for c in refusals)

    edits = [c for c in fake.of("chat.update") if c.params["ts"] == story.lena_post.split(":")[1]]
    two_best = [e for e in edits if _words(e).count("<https://rebound-test.slack.com/") == 2]
    assert two_best, [_words(e) for e in edits]

    assert any("best answers" in t for t in fake.texts(f"D{TOMAS}"))
    assert any(t.startswith("Update from") and "It worked" in t for t in fake.texts(SUPPORT))
    for helper in (PRIYA, DEV):
        assert any("acted on" in t for t in fake.texts(f"D{helper}"))
    closing = [t for t in fake.texts(SUPPORT) if "closed to new replies" in t]
    assert len(closing) >= 2


async def test_an_anonymous_posters_id_and_name_reach_no_one_else(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        async with workspace(sqlite_url) as ws:
            ws.fake.users[CANARY_ID] = member(CANARY_ID, CANARY_NAME)
            story = await play(ws, poster=CANARY_ID)
            await ws.react(CANARY_ID, story.tips["dev"], "+1")  # the poster appreciates a reply
            for helper in (PRIYA, DEV, CANARY_ID):
                opened = {"type": "app_home_opened", "user": helper, "tab": "home"}
                await ws.event({**opened, "channel": f"D{helper}"})
            calls = list(ws.fake.calls)
            triggers = {t for t, user in ws.requests.triggered_by.items() if user == CANARY_ID}

    own = [c for c in calls if _private_to_canary(c, triggers)]
    assert own, "the canary should have seen their own messages"
    visible = [c for c in calls if c.method in VISIBLE and not _private_to_canary(c, triggers)]
    assert len(visible) > 20
    assert {c.params["user_id"] for c in visible if c.method == "views.publish"} == {PRIYA, DEV}
    for call in visible:
        assert CANARY_ID not in call.flat(), call
        assert CANARY_NAME not in call.flat(), call
    assert "refused MessageActionInvoked" in caplog.text  # the logs were captured
    assert CANARY_ID not in caplog.text
    assert CANARY_NAME not in caplog.text
    for words in ("drafting the note", "undersold myself", "analysis side excites"):
        assert words not in caplog.text  # no post's or reply's words in the logs
    assert "xoxb-" not in caplog.text


def _private_to_canary(call: Call, triggers: set[str]) -> bool:
    """A DM, ephemeral, modal or home view that only the canary sees."""
    params = call.params
    return (
        call.channel == f"D{CANARY_ID}"  # a post to their id lands in their DM
        or params.get("user") == CANARY_ID
        or params.get("user_id") == CANARY_ID
        or (call.method == "views.open" and params.get("trigger_id") in triggers)
    )


def _words(call: Call) -> str:
    return json.dumps(call.params.get("blocks", []), ensure_ascii=False)
