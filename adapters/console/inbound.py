"""Console actions as core events (pure: no I/O, no world state).

Every event carries the community id `console:<name>` and a fresh event id
`console-<n>`; message refs are the console's own message ids (`m7`).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from bot.domain.model import Member
from bot.engine.community_ids import format_community_id
from bot.events import (
    ButtonPressed,
    CommandInvoked,
    DirectMessageReceived,
    FormSubmitted,
    MessageActionInvoked,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
)

PLATFORM = "console"


def community_id(name: str) -> str:
    """The core's id for the console community called `name`."""
    return format_community_id(PLATFORM, name)


class EventFactory:
    """Builds the events of one console community, numbering them as it goes."""

    def __init__(self, community: str) -> None:
        self.community_id = community_id(community)
        self._numbers = itertools.count(1)

    def _ids(self) -> dict[str, Any]:
        return {"community_id": self.community_id, "event_id": f"console-{next(self._numbers)}"}

    def command(self, actor: Member, command: str, text: str = "") -> CommandInvoked:
        return CommandInvoked(**self._ids(), actor=actor, command=command, text=text)

    def form_submitted(
        self, actor: Member, form_id: str, values: Mapping[str, str | Sequence[str]]
    ) -> FormSubmitted:
        return FormSubmitted(**self._ids(), actor=actor, form_id=form_id, values=values)

    def message_posted(
        self,
        actor: Member,
        *,
        channel_id: str,
        message_ref: str,
        text: str,
        thread_ref: str | None = None,
    ) -> MessagePosted:
        return MessagePosted(
            **self._ids(),
            actor=actor,
            channel_id=channel_id,
            message_ref=message_ref,
            text=text,
            thread_ref=thread_ref,
        )

    def message_edited(self, actor: Member, message_ref: str, text: str) -> MessageEdited:
        return MessageEdited(**self._ids(), actor=actor, message_ref=message_ref, text=text)

    def message_deleted(self, actor: Member, message_ref: str) -> MessageDeleted:
        return MessageDeleted(**self._ids(), actor=actor, message_ref=message_ref)

    def direct_message(self, actor: Member, text: str) -> DirectMessageReceived:
        return DirectMessageReceived(**self._ids(), actor=actor, text=text)

    def reaction(
        self, actor: Member, message_ref: str, emoji: str, *, removed: bool = False
    ) -> ReactionAdded | ReactionRemoved:
        kind = ReactionRemoved if removed else ReactionAdded
        return kind(**self._ids(), actor=actor, message_ref=message_ref, emoji=emoji)

    def button_pressed(self, actor: Member, action_id: str) -> ButtonPressed:
        return ButtonPressed(**self._ids(), actor=actor, action_id=action_id)

    def message_action(self, actor: Member, action: str, message_ref: str) -> MessageActionInvoked:
        return MessageActionInvoked(
            **self._ids(), actor=actor, action=action, message_ref=message_ref
        )
