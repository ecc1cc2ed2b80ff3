"""Outbound intents: what the core asks an adapter to do, as plain frozen values.

Text in intents is final: rendered from content/ and with relayed mentions
already neutralised. Adapters only change its form (Block Kit, discord.py
views, console lines), never its words.

A message also names the content key and parameters its text was rendered from, so tests
can check what was said without depending on the wording. Those never leave the core:
adapters show `text` only, and the outbox does not store them (see `LOCAL_ONLY`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal


@dataclass(frozen=True, kw_only=True)
class Button:
    label: str
    action_id: str
    style: Literal["default", "primary", "danger"] = "default"


@dataclass(frozen=True, kw_only=True)
class Link:
    """A link to another message on the platform (a best answer, say). A link made before
    its target exists names the post instead (`post_id`, empty `message_ref`): the core
    fills in the post's thread just before delivery (bot/engine/late_links.py)."""

    label: str
    message_ref: str
    post_id: int | None = None


# Field metadata: the field describes how a value was made and is dropped when intents are
# stored (bot/contract/intent_codec.py), coming back as its default.
LOCAL_ONLY: Mapping[str, bool] = {"local_only": True}


@dataclass(frozen=True, kw_only=True)
class Message:
    text: str
    buttons: tuple[Button, ...] = ()
    links: tuple[Link, ...] = ()
    # Shown author when the bot speaks for someone (an anonymous poster's pseudonym);
    # None means the bot speaks as itself.
    author: str | None = None
    # The content key `text` was rendered from and its parameters (None: composed or not
    # from content/). Not part of the message's identity, never sent, never stored.
    key: str | None = field(default=None, compare=False, metadata=LOCAL_ONLY)
    params: Mapping[str, object] = field(
        default_factory=dict, compare=False, hash=False, metadata=LOCAL_ONLY
    )


@dataclass(frozen=True, kw_only=True)
class Channel:
    channel_id: str


@dataclass(frozen=True, kw_only=True)
class Thread:
    thread_ref: str


@dataclass(frozen=True, kw_only=True)
class DirectTo:
    user_id: str


Target = Channel | Thread | DirectTo


class TrackAs(StrEnum):
    """What a sent message becomes, so the core can find it again by the platform's id."""

    SETBACK_THREAD = "setback_thread"
    STATUS_MESSAGE = "status_message"
    RELAYED_REPLY = "relayed_reply"
    OUTCOME_ASK = "outcome_ask"


@dataclass(frozen=True, kw_only=True)
class Tracking:
    kind: TrackAs
    record_id: int


@dataclass(frozen=True, kw_only=True)
class Send:
    target: Target
    message: Message
    track: Tracking | None = None


@dataclass(frozen=True, kw_only=True)
class StartThread:
    """Start a post's thread: a root message, or a forum post where posts are threads."""

    channel_id: str
    title: str
    message: Message
    tags: tuple[str, ...] = ()
    track: Tracking | None = None


@dataclass(frozen=True, kw_only=True)
class Notice:
    """Tell the acting member something only they see, where they acted."""

    user_id: str
    message: Message


@dataclass(frozen=True, kw_only=True)
class Revision:
    """The state of a post a status edit shows (see bot/engine/ordered_edits.py): an edit older than
    one the platform was already given is skipped."""

    setback_id: int
    version: int


@dataclass(frozen=True, kw_only=True)
class EditMessage:
    message_ref: str
    message: Message
    revision: Revision | None = None


@dataclass(frozen=True, kw_only=True)
class Choice:
    value: str
    label: str


FieldKind = Literal["text", "long_text", "choice", "multi_choice", "date", "checkbox"]


@dataclass(frozen=True, kw_only=True)
class FormField:
    name: str
    label: str
    kind: FieldKind
    required: bool = False
    max_length: int | None = None
    choices: tuple[Choice, ...] = ()
    initial: str | tuple[str, ...] = ""
    hint: str = ""


@dataclass(frozen=True, kw_only=True)
class Form:
    form_id: str
    title: str
    submit_label: str
    fields: tuple[FormField, ...]
    # Values the member gave already (a command's options): submitted with the form's
    # answers, not asked again. Kept when a late form is offered behind a button.
    answered: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, kw_only=True)
class OpenForm:
    user_id: str
    form: Form


@dataclass(frozen=True, kw_only=True)
class RejectForm:
    """The submitted form had problems: field name -> friendly explanation."""

    form_id: str
    errors: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class CloseThread:
    """Close a thread to new replies (locked where the platform locks threads); with
    `reopen`, open it again (a moderator reopened the post)."""

    thread_ref: str
    reopen: bool = False


@dataclass(frozen=True, kw_only=True)
class SetThreadTags:
    thread_ref: str
    tags: tuple[str, ...]
    revision: Revision | None = None


@dataclass(frozen=True, kw_only=True)
class RenameThread:
    """A thread's own name (a Discord forum post has one, shown in the forum's list; a Slack
    thread has none, and the core drops this there)."""

    thread_ref: str
    title: str


@dataclass(frozen=True, kw_only=True)
class SendFile:
    """A file only `user_id` receives, privately (their data export), with a message.

    Delivered while the member waits, like a notice: never stored in the outbox."""

    user_id: str
    filename: str
    content: bytes
    message: Message


Intent = (
    Send
    | StartThread
    | Notice
    | EditMessage
    | OpenForm
    | RejectForm
    | CloseThread
    | SetThreadTags
    | RenameThread
    | SendFile
)
