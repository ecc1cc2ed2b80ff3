"""A message's content key and parameters stay in the core: Discord is sent its text only."""

from __future__ import annotations

import json

from bot.contract.intents import Channel, DirectTo, Message, Send, StartThread
from tests.adapters.discord import payloads as p
from tests.adapters.discord.conftest import World


async def test_discord_is_sent_the_words_and_never_the_key_or_params(
    discord_world: World,
) -> None:
    message = Message(text="Shown words", key="canary.key", params={"title": "Param canary"})
    outbox = discord_world.bridge.outbox
    assert outbox is not None

    await outbox.deliver(Send(target=Channel(channel_id=str(p.HELPERS_ID)), message=message))
    await outbox.deliver(StartThread(channel_id=str(p.FORUM_ID), title="A title", message=message))
    await outbox.deliver(Send(target=DirectTo(user_id="720000000000000042"), message=message))

    sent = json.dumps([call.body for call in discord_world.fake.calls], default=str)
    assert sent.count("Shown words") >= 3
    assert "canary" not in sent.lower()
