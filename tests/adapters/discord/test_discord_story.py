"""The console demo story (content/en/demo.yaml), played on Discord, with a privacy canary.

Lena posts anonymously; her id and name must never appear in anything the fake recorded
that others can see (only DMs to her and answers only she sees may hold them), nor in any
log line; no log line holds a post's text or the bot token.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.adapters.discord import payloads as p
from tests.adapters.discord.conftest import (
    ADE,
    DEV,
    LENA,
    PRIYA,
    SAM,
    TOMAS,
    Actions,
    World,
    buttons_in,
    connected,
    uid,
)

LENA_TITLE = "Screening call went sideways: the role wasn't what I prepared for"
LENA_BODY = "I prepared stories about calming unhappy clients. Distinctive-body-words."
SECRETS = ("Lenacanary", uid(LENA), "fake-bot-token-never-logged", "Distinctive-body-words")


def tag_names(world: World, thread_id: str) -> list[str]:
    forum = world.fake.channels[str(p.FORUM_ID)]
    names = {t["id"]: t["name"] for t in forum["available_tags"]}
    return [names[t] for t in world.fake.channels[thread_id]["applied_tags"]]


async def press_in_dm(act: Actions, who: dict[str, Any], label: str) -> dict[str, Any]:
    """Press the button labelled `label` on the latest DM to `who` that has it."""
    for call in reversed(act.fake.dms_to(uid(who))):
        for button in buttons_in(call.body):
            if button.get("label") == label:
                channel = act.fake.dm_channels[uid(who)]
                press = p.button_press(
                    who, button["custom_id"], call.response, in_dm=True, channel_id=int(channel)
                )
                return await act.interact(press)
    raise AssertionError(f"no DM button {label!r} to {who['user']['global_name']}")


async def play_demo(world: World, act: Actions) -> dict[str, str]:
    fake = world.fake
    lena = await act.post_setback(
        LENA,
        anonymous=True,
        title=LENA_TITLE,
        body=LENA_BODY,
        stage=["recruiter_screen"],
        kind=["went_badly"],
        ask_outcome_on="2026-03-14",
    )
    tomas = p.snowflake()
    fake.channels[tomas] = p.thread(tomas, "Turned down after the final round", int(uid(TOMAS)))
    await fake.dispatch("THREAD_CREATE", {**fake.channels[tomas], "newly_created": True})
    await fake.dispatch(
        "MESSAGE_CREATE",
        p.guild_message(tomas, tomas, TOMAS, "How do I stay on their radar without being a pest?"),
    )
    await fake.settle()
    priya_tip = await act.say(PRIYA, lena, "Write to the recruiter today. Thank them.")
    dev_tip = await act.say(DEV, lena, "Say it plainly: honesty about a mix-up reads well.")
    await act.dm(LENA, "Thank you both. I'm drafting the note tonight.")
    ade_tip = await act.say(ADE, tomas, "Ask them for two lines of feedback.")
    await act.react(PRIYA, dev_tip, "👍")
    refused = await act.mark(DEV, priya_tip)
    await act.mark(LENA, priya_tip)
    await act.mark(LENA, dev_tip)
    await world.tick(hours=4 * 24)
    await act.mark(TOMAS, ade_tip)
    course = await act.say(PRIYA, tomas, "A free evening course in print production.")
    await act.mark(SAM, course)
    await world.tick(hours=8 * 24)
    await press_in_dm(act, LENA, "It worked")
    modal = next(c.body["data"] for c in reversed(fake.callbacks()) if c.body.get("type") == 9)
    await act.interact(
        p.modal_submit(
            LENA,
            modal["custom_id"],
            {
                "result": ["worked"],
                "events": ["another_interview"],
                "note": "Second call next Tuesday.",
            },
            in_dm=True,
            channel_id=int(fake.dm_channels[uid(LENA)]),
        )
    )
    await world.tick(hours=31 * 24)
    return {"lena": lena, "tomas": tomas, "refused": refused["token"]}


async def test_demo_story_on_discord(discord_world: World, act: Actions) -> None:
    fake = discord_world.fake
    ids = await play_demo(discord_world, act)
    lena = ids["lena"]

    posts = fake.posts_in(lena)
    texts = [c.body.get("content", "") for c in posts]
    relayed = next(t for t in texts if "drafting the note" in t)
    assert relayed.startswith("**") and "anonymous" in relayed.splitlines()[0]
    # Dev's refusal was ephemeral, and nothing was marked on his behalf.
    refusal = [c for c in fake.followups() + fake.callbacks() if ids["refused"] in c.path]
    assert refusal and all(fake.private_to(uid(DEV), c) for c in refusal)
    # Lena's marks edited the status message (the forum post's first message) with jump links.
    edits = fake.calls_to("PATCH", rf"/channels/{lena}/messages/{lena}")
    links = [b for b in buttons_in(edits[-1].body) if b.get("url")]
    assert len(links) == 2 and all(f"/channels/{p.GUILD_ID}/{lena}/" in b["url"] for b in links)
    # The update was posted in the thread, the helpers were told, and the thread closed.
    assert any("Second call next Tuesday" in t for t in texts)
    for helper in (PRIYA, DEV):  # the people who replied are told, by DM
        assert any("turned out" in c.body["content"] for c in fake.dms_to(uid(helper)))
    assert tag_names(discord_world, lena)[-2:] == ["Update shared", "Closed"]
    metadata = fake.channels[lena]["thread_metadata"]
    assert metadata["archived"] and metadata["locked"]
    assert fake.channels[ids["tomas"]]["thread_metadata"]["locked"]
    assert all(
        c.body.get("allowed_mentions") == {"parse": []}
        for c in fake.calls
        if c.method == "POST" and "/messages" in c.path
    )


@pytest.mark.postgres
async def test_demo_story_canary_on_postgres(
    postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    await _canary(postgres_url, caplog)


async def test_demo_story_canary(sqlite_url: str, caplog: pytest.LogCaptureFixture) -> None:
    await _canary(sqlite_url, caplog)


async def _canary(database_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with connected(database_url) as world:
        await play_demo(world, Actions(world))
        fake = world.fake
    visible = [c for c in fake.calls if not fake.private_to(uid(LENA), c)]
    assert len(visible) > 30
    for call in visible:
        assert "lenacanary" not in call.text.lower(), call  # her name, nick or username
        assert uid(LENA) not in call.text and uid(LENA) not in call.path, call
    said = [c for c in fake.calls if c.method in ("POST", "PATCH") and _words_of(c.body)]
    assert len(said) > 20
    for call in said:  # nothing anyone wrote can ping, whatever the call
        assert _words_of(call.body).get("allowed_mentions") == {"parse": []}, call
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert logged  # the story did log
    for secret in SECRETS:
        assert secret.lower() not in logged.lower()


def _words_of(body: dict[str, Any]) -> dict[str, Any]:
    """The part of a REST body that carries content: itself, a callback's `data` or a forum
    post's first `message`; empty when there is none."""
    for part in (body, body.get("data"), body.get("message")):
        if isinstance(part, dict) and part.get("content"):
            return part
    return {}
