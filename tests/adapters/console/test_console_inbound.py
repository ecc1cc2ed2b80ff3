"""Console actions become core events with the console's community and fresh event ids."""

from __future__ import annotations

from adapters.console.inbound import EventFactory, community_id
from bot.contract.events import (
    ButtonPressed,
    CommandInvoked,
    DirectMessageReceived,
    FormSubmitted,
    MessageActionInvoked,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
)
from tests.adapters.console.console_fakes import MAYA


def test_community_ids_name_the_console() -> None:
    assert community_id("demo") == "console:demo"


def test_events_are_numbered_and_carry_the_community() -> None:
    make = EventFactory("demo")
    events = [
        make.command(MAYA, "setback"),
        make.form_submitted(MAYA, "rb:form:setback", {"title": "T"}),
        make.message_posted(MAYA, channel_id="support", message_ref="m4", text="hi"),
        make.message_posted(
            MAYA, channel_id="support", message_ref="m5", text="re", thread_ref="m4"
        ),
        make.direct_message(MAYA, "psst"),
        make.reaction(MAYA, "m5", "+1"),
        make.reaction(MAYA, "m5", "+1", removed=True),
        make.button_pressed(MAYA, "rb:outcome:1:worked"),
        make.message_action(MAYA, "mark_best", "m5"),
    ]
    assert [e.event_id for e in events] == [f"console-{n}" for n in range(1, 10)]
    assert {e.community_id for e in events} == {"console:demo"}
    assert all(e.actor == MAYA for e in events)
    assert [type(e) for e in events] == [
        CommandInvoked,
        FormSubmitted,
        MessagePosted,
        MessagePosted,
        DirectMessageReceived,
        ReactionAdded,
        ReactionRemoved,
        ButtonPressed,
        MessageActionInvoked,
    ]
    reply = events[3]
    assert isinstance(reply, MessagePosted)
    assert (reply.channel_id, reply.message_ref, reply.thread_ref) == ("support", "m5", "m4")
