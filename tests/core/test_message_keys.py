"""A message names the content key it was rendered from, for tests; that never leaves the core."""

from __future__ import annotations

import json

from bot.contract.intent_codec import decode, encode
from bot.contract.intents import Button, Channel, Message, Notice, Send
from tests.support import JO, MAYA, harness, said


async def test_the_core_says_which_key_and_params_a_message_came_from(sqlite_url: str) -> None:
    async with harness(sqlite_url) as h:
        await h.command(JO, "dance")
        (notice,) = h.outbox.of(Notice)
        assert notice.message.key == "error.unknown_command"
        assert dict(notice.message.params) == {"command": "dance"}
        assert "dance" in notice.message.text  # the key's text, filled with the params
        await h.post(MAYA)
        assert said(h.outbox.sent)[-1] == "setback.posted_ack"


def test_the_outbox_stores_the_words_but_not_the_key_or_params() -> None:
    message = Message(
        text="Shown words",
        buttons=(Button(label="Go", action_id="rb:x:1"),),
        key="canary.key",
        params={"title": "Param canary"},
    )
    intent = Send(target=Channel(channel_id="support"), message=message)

    stored = json.dumps(encode(intent))
    back = decode(json.loads(stored))

    assert "canary" not in stored.lower()
    assert back == intent  # the key and params are not part of a message's identity
    assert back.message.text == "Shown words" and back.message.buttons == message.buttons
    assert back.message.key is None and back.message.params == {}
