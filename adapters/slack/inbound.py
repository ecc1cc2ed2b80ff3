"""Slack payloads as core events (pure: the acting member is resolved by the caller).

Event ids make redelivery a no-op: Events API deliveries carry Slack's `event_id` (a retry
with `X-Slack-Retry-Num` repeats it); commands, actions, shortcuts and view submissions
use their `trigger_id`, unique to one user gesture, so a replayed request is the same event.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.slack.modals import submitted_values
from adapters.slack.refs import message_ref
from bot.api import (
    ButtonPressed,
    CommandInvoked,
    CommunityId,
    DirectMessageReceived,
    FormSubmitted,
    InboundEvent,
    Member,
    MessageActionInvoked,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
)

PLATFORM = "slack"
# Subtypes that are a member writing something; joins, topics and bots are not.
WRITTEN_SUBTYPES = frozenset({None, "thread_broadcast", "file_share"})
EDITED = "message_changed"
DELETED = "message_deleted"
# A thread's parent deleted while it has replies is not deleted but "changed" into this
# placeholder ("This message was deleted."), posted as Slackbot.
TOMBSTONE = "tombstone"
SOMEONE = Member(user_id="unknown", display_name="")
"""The actor of a deletion: Slack does not say who deleted a message (the core needs no one)."""

Payload = Mapping[str, Any]


def community_id(team_id: str) -> CommunityId:
    return CommunityId.of(PLATFORM, team_id)


def team_of(community: str) -> str | None:
    """The workspace (or organisation) id of a Slack community; None for another platform's."""
    parsed = CommunityId.parse(community)
    return parsed.native if parsed.platform == PLATFORM else None


def author_of(event: Payload) -> str | None:
    """Who wrote the message an event is about; None for bots and the bot itself."""
    subtype = event.get("subtype")
    if subtype == EDITED:
        message = event.get("message") or {}
    elif subtype in WRITTEN_SUBTYPES:
        message = event
    else:
        return None
    if message.get("bot_id") or message.get("subtype") == "bot_message":
        return None
    user = message.get("user")
    return str(user) if user else None


def _thread_of(channel: str, message: Payload) -> str | None:
    """The thread a message replies in; None for a top-level message (a parent's
    `thread_ts` is its own `ts`)."""
    thread_ts, ts = message.get("thread_ts"), message.get("ts")
    return message_ref(channel, str(thread_ts)) if thread_ts and thread_ts != ts else None


def deletion_event(community: str, event_id: str, event: Payload) -> MessageDeleted | None:
    """A deleted channel message, whoever wrote it (the bot's own root too: a moderator
    withdrew a post shared by form); None if the event is not a deletion."""
    channel, subtype = str(event.get("channel", "")), event.get("subtype")
    if event.get("channel_type") == "im":
        return None
    if subtype == DELETED:
        gone = {**(event.get("previous_message") or {}), "ts": event.get("deleted_ts")}
    elif subtype == EDITED and (event.get("message") or {}).get("subtype") == TOMBSTONE:
        gone = event.get("message") or {}
    else:
        return None
    return MessageDeleted(
        community_id=community,
        event_id=event_id,
        actor=SOMEONE,
        message_ref=message_ref(channel, str(gone["ts"])),
        thread_ref=_thread_of(channel, gone),
    )


def message_event(
    community: str, event_id: str, actor: Member, event: Payload
) -> InboundEvent | None:
    """A `message` event as a post, reply, DM or edit (None if it is none of these)."""
    ids: dict[str, Any] = {"community_id": community, "event_id": event_id, "actor": actor}
    channel = str(event.get("channel", ""))
    subtype = event.get("subtype")
    if subtype == EDITED:
        new, old = event.get("message") or {}, event.get("previous_message") or {}
        if new.get("text") == old.get("text"):
            return None  # a thread's reply count changed, not its words
        return MessageEdited(
            **ids,
            message_ref=message_ref(channel, str(new["ts"])),
            text=str(new.get("text", "")),
            thread_ref=_thread_of(channel, new),
        )
    text = str(event.get("text", ""))
    if event.get("channel_type") == "im":
        return DirectMessageReceived(**ids, text=text)
    thread_ts = event.get("thread_ts")
    return MessagePosted(
        **ids,
        channel_id=channel,
        message_ref=message_ref(channel, str(event["ts"])),
        text=text,
        thread_ref=message_ref(channel, str(thread_ts)) if thread_ts else None,
    )


def reaction_event(
    community: str, event_id: str, actor: Member, event: Payload
) -> ReactionAdded | ReactionRemoved | None:
    item = event.get("item") or {}
    if item.get("type") != "message":
        return None
    kind = ReactionAdded if event.get("type") == "reaction_added" else ReactionRemoved
    # `+1::skin-tone-3` is still a +1.
    emoji = str(event.get("reaction", "")).split("::", 1)[0]
    ref = message_ref(str(item["channel"]), str(item["ts"]))
    return kind(
        community_id=community, event_id=event_id, actor=actor, message_ref=ref, emoji=emoji
    )


def command_event(community: str, actor: Member, body: Payload) -> CommandInvoked:
    return CommandInvoked(
        community_id=community,
        event_id=f"command:{body['trigger_id']}",
        actor=actor,
        command=str(body["command"]).lstrip("/"),
        text=str(body.get("text") or ""),
    )


def button_event(community: str, actor: Member, body: Payload, action: Payload) -> ButtonPressed:
    action_id = str(action["action_id"])
    return ButtonPressed(
        community_id=community,
        event_id=f"action:{body['trigger_id']}:{action_id}",
        actor=actor,
        action_id=action_id,
    )


def shortcut_event(community: str, actor: Member, body: Payload) -> MessageActionInvoked:
    channel = str((body.get("channel") or {}).get("id", ""))
    ts = str(body.get("message_ts") or (body.get("message") or {}).get("ts", ""))
    return MessageActionInvoked(
        community_id=community,
        event_id=f"shortcut:{body['trigger_id']}",
        actor=actor,
        action=str(body["callback_id"]),
        message_ref=message_ref(channel, ts),
    )


def view_event(community: str, actor: Member, body: Payload) -> FormSubmitted:
    view = body["view"]
    delivery = body.get("trigger_id") or f"{view['id']}:{view.get('hash', '')}"
    return FormSubmitted(
        community_id=community,
        event_id=f"view:{delivery}",
        actor=actor,
        form_id=str(view["callback_id"]),
        values=submitted_values(view.get("state") or {}),
    )


def action_thread(body: Payload) -> str | None:
    """The thread a button or message shortcut was used in: None for a top-level message,
    even one with replies (its `thread_ts` is its own `ts`), whose notices stay in the channel."""
    container, message = body.get("container") or {}, body.get("message") or {}
    thread_ts = container.get("thread_ts") or message.get("thread_ts")
    own_ts = container.get("message_ts") or message.get("ts")
    return str(thread_ts) if thread_ts and thread_ts != own_ts else None


def action_channel(body: Payload) -> str | None:
    """The channel a button was pressed in (None inside a modal or the App Home)."""
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    return str(channel) if channel else None
