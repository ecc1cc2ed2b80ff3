"""An outcome is shared once on Discord: the answered ask loses its buttons, an old button
is answered "already shared", and a form submitted twice at once is recorded once."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import func, select

from bot.store.statements import OUTCOME
from tests.adapters.discord import payloads as p
from tests.adapters.discord.conftest import DEV, LENA, PRIYA, Actions, buttons_in, connected, uid
from tests.adapters.discord.test_discord_story import press_in_dm

TITLE = "Panel froze on the case study"
NOTE = "They called back for a second round."


def _words(call: Any) -> str:
    return str(call.body.get("content") or (call.body.get("data") or {}).get("content") or "")


async def test_an_outcome_is_shared_once_however_often_it_is_sent(database_url: str) -> None:
    async with connected(database_url) as world:
        act, fake = Actions(world), world.fake
        thread = await act.post_setback(LENA, title=TITLE, ask_outcome_on="2026-03-14")
        await act.say(PRIYA, thread, "Ask for feedback on the case study.")
        await act.say(DEV, thread, "Practise out loud with a timer.")
        await world.tick(hours=13 * 24)  # the ask arrives by DM
        ask = next(c for c in reversed(fake.dms_to(uid(LENA))) if buttons_in(c.body))
        await press_in_dm(act, LENA, "It worked")
        modal = next(c.body["data"] for c in reversed(fake.callbacks()) if c.body.get("type") == 9)
        dm = int(fake.dm_channels[uid(LENA)])

        def submission() -> dict[str, Any]:
            fields = {"result": ["worked"], "note": NOTE}
            return p.modal_submit(LENA, modal["custom_id"], fields, in_dm=True, channel_id=dm)

        # Submitted twice at the same moment (a double click), then once more later.
        await asyncio.gather(fake.interact(submission()), fake.interact(submission()))
        await fake.settle()
        late = await act.interact(submission())

        updates = [c for c in fake.posts_in(thread) if NOTE in _words(c)]
        assert len(updates) == 1
        for helper in (PRIYA, DEV):
            told = [c for c in fake.dms_to(uid(helper)) if TITLE in _words(c)]
            assert len(told) == 1, helper
        async with world.bridge.core.store.engine.connect() as db:
            assert (await db.execute(select(func.count()).select_from(OUTCOME))).scalar() == 1
        refusals = [c for c in act.answers_to(late) if "already shared" in _words(c)]
        assert refusals and all(fake.private_to(uid(LENA), c) for c in refusals)

        # The answered ask was edited: its buttons are gone.
        ask_id = ask.response["id"]
        edits = fake.calls_to("PATCH", rf"/channels/{dm}/messages/{ask_id}")
        assert edits and not buttons_in(edits[-1].body)
        assert f'You shared how "{TITLE}" turned out' in _words(edits[-1])

        # A button still live on an earlier ask (only the last one is edited) is answered
        # as such, and opens no form.
        earlier_ask = {**ask.response, "content": _words(ask), "components": ask.body["components"]}
        worked = buttons_in(ask.body)[0]["custom_id"]
        forms = len([c for c in fake.callbacks() if c.body.get("type") == 9])
        pressed = await act.interact(
            p.button_press(LENA, worked, earlier_ask, in_dm=True, channel_id=dm)
        )
        assert len([c for c in fake.callbacks() if c.body.get("type") == 9]) == forms
        assert any("already shared" in _words(c) for c in act.answers_to(pressed))

        # The refusal offers the change on purpose: the form comes back filled in, and the
        # change is posted in the thread as one.
        refusal = next(c.body for c in act.answers_to(pressed) if buttons_in(c.body))
        [change] = buttons_in(refusal)
        assert change["label"] == "Change my update"
        answer = {**earlier_ask, "components": refusal["data"]["components"], "flags": 64}
        opened = await act.interact(
            p.button_press(LENA, change["custom_id"], answer, in_dm=True, channel_id=dm)
        )
        changing = next(c.body["data"] for c in act.answers_to(opened) if c.body.get("type") == 9)
        assert NOTE in str(changing)  # filled in with the update as shared
        fields = {"result": ["not_this_time"], "note": "They chose someone else."}
        await act.interact(
            p.modal_submit(LENA, changing["custom_id"], fields, in_dm=True, channel_id=dm)
        )
        changed = [c for c in fake.posts_in(thread) if "changed their update" in _words(c)]
        assert len(changed) == 1 and "They chose someone else." in _words(changed[0])
