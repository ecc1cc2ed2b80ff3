"""`/template` on Discord: autocomplete from the library, a modal for the placeholders, an
ephemeral preview whose buttons work, posting in one's forum post without one's name, and
"Save as template" on a best answer."""

from __future__ import annotations

from typing import Any

from tests.adapters.discord import payloads as p
from tests.adapters.discord.conftest import LENA, PRIYA, SAM, Actions, World, buttons_in
from tests.support import SECOND_CONVERSATION, SECOND_CONVERSATION_VALUES, SIGNED_AS

EPHEMERAL = 64


def _bodies(act: Actions, payload: dict[str, Any]) -> list[dict[str, Any]]:
    return [c.body for c in act.answers_to(payload) if isinstance(c.body, dict)]


def _content(body: dict[str, Any]) -> str:
    return str(body.get("content") or (body.get("data") or {}).get("content") or "")


def _flags(body: dict[str, Any]) -> int:
    return int(body.get("flags") or (body.get("data") or {}).get("flags") or 0)


async def _preview(act: Actions, who: dict[str, Any], register: str) -> dict[str, Any]:
    """`/template second_conversation_request email <register>`, the modal filled in; returns
    the ephemeral preview's body."""
    options = {"id": SECOND_CONVERSATION, "channel": "email", "register": register}
    opened = await act.interact(p.slash_command(who, "template", options))
    modal = next(b for b in _bodies(act, opened) if b.get("type") == 9)["data"]
    assert modal["title"] == "Fill in a template"
    submitted = await act.interact(
        p.modal_submit(who, modal["custom_id"], SECOND_CONVERSATION_VALUES)
    )
    return next(b for b in _bodies(act, submitted) if "Preview" in _content(b))


async def test_autocomplete_offers_template_ids(discord_world: World, act: Actions) -> None:
    complete = p.slash_command(SAM, "template", {"id": "second_con"})
    complete["type"] = 4
    complete["data"]["options"][0]["focused"] = True
    (choices,) = _bodies(act, await act.interact(complete))
    assert choices["type"] == 8
    assert [c["value"] for c in choices["data"]["choices"]] == [
        "second_conversation_request",
        "second_conversation_phone",
    ]


async def test_the_listing_is_ephemeral_and_split_within_limits(
    discord_world: World, act: Actions
) -> None:
    bodies = _bodies(act, await act.interact(p.slash_command(PRIYA, "template")))
    texts = [_content(b) for b in bodies if _content(b)]
    assert "Right after the interview" in "".join(texts)
    assert all(len(t) <= 2000 for t in texts)
    assert all(_flags(b) & EPHEMERAL for b in bodies if _content(b))


async def test_fill_preview_and_post_in_the_anonymous_posters_thread(
    discord_world: World, act: Actions
) -> None:
    fake = discord_world.fake
    thread = await act.post_setback(LENA, anonymous=True)
    preview = await _preview(act, LENA, "british")
    assert _flags(preview) & EPHEMERAL and "Marta" in _content(preview)
    post = next(b for b in buttons_in(preview) if b["label"] == "Post it in my thread")
    rows = preview["data"]["components"]  # a press names a component of the message shown
    shown = p.message(p.snowflake(), p.GENERAL_ID, LENA["user"], "", components=rows)
    await act.interact(p.button_press(LENA, post["custom_id"], shown))
    (posted,) = [c for c in fake.posts_in(thread) if "template library" in c.text]
    assert "Marta" in posted.text and "[Your name]" in posted.text
    assert (
        SIGNED_AS not in posted.text
        and "Lena" not in posted.text
        and LENA["user"]["id"] not in posted.text
    )
    assert posted.body["allowed_mentions"]["parse"] == []


async def test_save_a_best_answer_as_a_community_template(
    discord_world: World, act: Actions
) -> None:
    thread = await act.post_setback(LENA)
    tip = await act.say(PRIYA, thread, "Ask for two lines of feedback; it is an easy yes.")
    await act.mark(LENA, tip)
    saved = await act.interact(p.message_command(SAM, "Save as template", tip))
    modal = next(b for b in _bodies(act, saved) if b.get("type") == 9)["data"]
    (field,) = [row.get("component", row) for row in modal["components"]]
    assert "Ask for two lines of feedback" in field["value"]
    added = await act.interact(p.modal_submit(SAM, modal["custom_id"], {"source": field["value"]}))
    assert any("Added" in _content(b) for b in _bodies(act, added))
    listing = _bodies(act, await act.interact(p.slash_command(PRIYA, "template")))
    assert "[from this community]" in "".join(_content(b) for b in listing)
