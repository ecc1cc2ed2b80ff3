"""Every kind of inbound event survives being stored (JSON) and read back."""

from __future__ import annotations

import json

import pytest

from bot.contract import events as e
from bot.contract.event_codec import decode_event, encode_event
from bot.domain.model import Member
from tests.support import EventBase

ACTOR = Member(user_id="U1", display_name="Ayo ⟨mod⟩", is_moderator=True)
BASE: EventBase = {"community_id": "slack:T1", "event_id": "Ev1", "actor": ACTOR}

EXAMPLES: list[e.InboundEvent] = [
    e.CommandInvoked(**BASE, command="setback", text="anonymous"),
    e.FormSubmitted(**BASE, form_id="rb:form:post", values={"title": "T", "tags": ["a", "b"]}),
    e.MessagePosted(**BASE, channel_id="C1", message_ref="1.2", text="Hi 👋", thread_ref="1.1"),
    e.MessageEdited(**BASE, message_ref="1.2", text="Edited", thread_ref=None),
    e.MessageDeleted(**BASE, message_ref="1.2", thread_ref="1.1", thread_gone=True),
    e.DirectMessageReceived(**BASE, text="Thank you"),
    e.ReactionAdded(**BASE, message_ref="1.2", emoji="star"),
    e.ReactionRemoved(**BASE, message_ref="1.2", emoji="star"),
    e.ButtonPressed(**BASE, action_id="rb:relay:7"),
    e.MessageActionInvoked(**BASE, action="mark_best", message_ref="1.2"),
]


def test_every_kind_of_event_has_an_example() -> None:
    kinds = {type(event) for event in EXAMPLES}
    defined = {
        value
        for value in vars(e).values()
        if isinstance(value, type) and issubclass(value, e.InboundEvent)
    }
    assert kinds == defined - {e.InboundEvent}


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda event: type(event).__name__)
def test_an_event_read_back_from_json_is_the_event(event: e.InboundEvent) -> None:
    assert decode_event(json.loads(json.dumps(encode_event(event)))) == event
