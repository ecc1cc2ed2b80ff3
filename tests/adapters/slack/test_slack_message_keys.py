"""A message's content key and parameters stay in the core: Slack is sent its text only."""

from __future__ import annotations

import json

from bot.contract.intents import Channel, DirectTo, Message, Notice, Send
from tests.adapters.slack.workspace import SUPPORT, Workspace


async def test_slack_is_sent_the_words_and_never_the_key_or_params(slack: Workspace) -> None:
    message = Message(text="Shown words", key="canary.key", params={"title": "Param canary"})
    outbox = slack.adapter.outbox

    await outbox.deliver(Send(target=Channel(channel_id=SUPPORT), message=message))
    await outbox.deliver(Send(target=DirectTo(user_id="U-jo"), message=message))
    await outbox.deliver(Notice(user_id="U-jo", message=message))

    sent = json.dumps([call.params for call in slack.fake.calls], default=str)
    assert sent.count("Shown words") >= 3
    assert "canary" not in sent.lower()
