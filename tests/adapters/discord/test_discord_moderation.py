"""Moderators and the library on Discord, through interaction payloads and the real client:
the *Feature in library* and *Hide or unhide reply* context menus open modals for
moderators only, the `/rebound` group answers privately (topics autocompleted), and the
commands synced stay within Discord's five message context menus."""

from __future__ import annotations

import json
from typing import Any

from tests.adapters.discord import payloads as p
from tests.adapters.discord.conftest import LENA, PRIYA, SAM, Actions, World, buttons_in

EPHEMERAL = 64
MESSAGE_MENU = 3


def _bodies(act: Actions, payload: dict[str, Any]) -> list[dict[str, Any]]:
    return [c.body for c in act.answers_to(payload) if isinstance(c.body, dict)]


def _said(act: Actions, payload: dict[str, Any]) -> str:
    texts = []
    for body in _bodies(act, payload):
        texts.append(str(body.get("content") or (body.get("data") or {}).get("content") or ""))
    return " ".join(texts)


async def _modal(
    act: Actions, who: dict[str, Any], menu: str, target: dict[str, Any]
) -> dict[str, Any]:
    opened = await act.mark(who, target, menu)
    modal: dict[str, Any] = next(b for b in _bodies(act, opened) if b.get("type") == 9)["data"]
    return modal


async def test_a_moderator_features_a_reply_and_members_find_it(
    discord_world: World, act: Actions
) -> None:
    thread = await act.post_setback(LENA, title="Froze in the SQL screen", body="Blank on joins.")
    tip = await act.say(PRIYA, thread, "Practise SQL joins out loud the day before.")
    modal = await _modal(act, SAM, "Feature in library", tip)
    assert modal["custom_id"].startswith("rb:form:feature:")
    saved = await act.interact(
        p.modal_submit(
            SAM,
            modal["custom_id"],
            {"topic": ["Technical interviews"], "summary": "Joins out loud"},
        )
    )
    assert "is in the library" in _said(act, saved)
    found = await act.interact(p.rebound(PRIYA, "library", words="joins"))
    assert "Joins out loud" in _said(act, found)
    assert all(
        int(b.get("flags") or (b.get("data") or {}).get("flags") or 0) & EPHEMERAL
        for b in _bodies(act, found)
        if (b.get("data") or {}).get("content") or b.get("content")
    )
    audit = await act.interact(p.rebound(SAM, "audit"))
    assert "Sam featured a reply" in _said(act, audit)


async def test_members_who_do_not_moderate_are_refused_privately(
    discord_world: World, act: Actions
) -> None:
    thread = await act.post_setback(LENA)
    tip = await act.say(PRIYA, thread, "Ask for two lines of feedback.")
    for menu in ("Feature in library", "Hide or unhide reply"):
        refused = await act.mark(PRIYA, tip, menu)
        assert "Only moderators" in _said(act, refused)
        assert not [b for b in _bodies(act, refused) if b.get("type") == 9]
    locked = await act.interact(p.rebound(PRIYA, "lock", reason="spam", post=thread))
    assert "Only moderators" in _said(act, locked)


async def test_lock_in_the_thread_itself_and_hide_a_reply(
    discord_world: World, act: Actions
) -> None:
    thread = await act.post_setback(LENA)
    tip = await act.say(PRIYA, thread, "A reply to hide.")
    modal = await _modal(act, SAM, "Hide or unhide reply", tip)
    assert modal["custom_id"].startswith("rb:form:hide:")
    hidden = await act.interact(p.modal_submit(SAM, modal["custom_id"], {"reason": "Off topic"}))
    assert "is hidden" in _said(act, hidden)
    here = p.rebound(SAM, "lock", reason="Cooling off")
    here["channel_id"] = thread
    here["channel"] = {**here.get("channel", {}), "id": thread}
    assert "is locked" in _said(act, await act.interact(here))
    archived = [c for c in discord_world.fake.calls if c.method == "PATCH" and thread in c.path]
    assert any(c.body.get("locked") is True for c in archived if isinstance(c.body, dict))
    again = p.rebound(SAM, "reopen", post=thread)
    assert "is open again" in _said(act, await act.interact(again))
    patches = [c.body for c in discord_world.fake.calls if c.method == "PATCH" and thread in c.path]
    states = [(b["archived"], b["locked"]) for b in patches if "locked" in b]
    assert states == [(True, True), (False, False)]  # locked, then unlocked and unarchived


async def test_topics_autocomplete_and_commands_fit_discords_limits(
    discord_world: World, act: Actions
) -> None:
    complete = p.rebound(PRIYA, "library", words="ghost")
    complete["type"] = 4
    complete["data"]["options"][0]["options"][0]["focused"] = True
    (choices,) = _bodies(act, await act.interact(complete))
    assert [c["value"] for c in choices["data"]["choices"]] == ["Ghosting"]
    synced = [c for c in discord_world.fake.calls if c.method == "PUT" and "/commands" in c.path]
    items = synced[-1].body if isinstance(synced[-1].body, list) else synced[-1].body["items"]
    menus = [c["name"] for c in items if c.get("type") == MESSAGE_MENU]
    assert len(menus) <= 5 and {"Feature in library", "Hide or unhide reply"} <= set(menus)


async def test_a_library_hit_is_posted_into_the_askers_own_thread_once(
    discord_world: World, act: Actions
) -> None:
    thread = await act.post_setback(LENA, title="Froze in the SQL screen", body="Blank on joins.")
    tip = await act.say(PRIYA, thread, "Practise SQL joins out loud the day before.")
    modal = await _modal(act, SAM, "Feature in library", tip)
    await act.interact(
        p.modal_submit(
            SAM, modal["custom_id"], {"topic": ["Technical interviews"], "summary": "Joins aloud"}
        )
    )
    found = await act.interact(p.rebound(PRIYA, "library", words="joins"))
    (hits,) = [
        c
        for c in act.answers_to(found)
        if isinstance(c.body, dict) and "Joins aloud" in str(c.body)
    ]
    body = hits.body.get("data") or hits.body
    (share,) = [b for b in buttons_in(body) if "Post in my thread" in b.get("label", "")]
    shown = hits.response["resource"]["message"]  # the private answer, as Discord keeps it
    refused = await act.interact(p.button_press(PRIYA, share["custom_id"], shown))
    assert "no open post" in _said(act, refused)

    mine = await act.post_setback(PRIYA, title="Blanked on joins too", body="Same screen.")
    before = len(act.fake.posts_in(mine))
    press_id = p.snowflake()
    for _ in range(2):  # the same press delivered twice
        await act.interact(
            p.button_press(PRIYA, share["custom_id"], shown, interaction_id=press_id)
        )
    posted = act.fake.posts_in(mine)[before:]
    assert len(posted) == 1 and "Joins aloud" in json.dumps(posted[0].body)
    again = await act.interact(p.button_press(PRIYA, share["custom_id"], shown))
    assert "already" in _said(act, again)
    assert len(act.fake.posts_in(mine)) == before + 1
