"""Shared helpers for tests: a recording outbox, members, and a core on a real database."""

from __future__ import annotations

import functools
import itertools
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypedDict, TypeVar

from sqlalchemy import text

from bot.common.clock import ManualClock
from bot.contract.events import (
    ButtonPressed,
    CommandInvoked,
    DirectMessageReceived,
    FormSubmitted,
    InboundEvent,
    MessageActionInvoked,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
)
from bot.contract.intents import (
    Button,
    DirectTo,
    Form,
    Intent,
    Notice,
    OpenForm,
    RejectForm,
    Send,
    StartThread,
)
from bot.contract.ports import Attempt, Capabilities, Delivered
from bot.domain.model import CommunitySettings, Member, Reply
from bot.engine.bootstrap import build_rebound
from bot.engine.runtime import Rebound
from bot.store.repo import Store
from bot.words.content import DEFAULT_LOCALE, Content, load_content

_T = TypeVar("_T")

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
COMMUNITY = "console:test"

MAYA = Member(user_id="U-maya", display_name="Maya Okafor")
JO = Member(user_id="U-jo", display_name="Jo")
RUTH = Member(user_id="U-ruth", display_name="Ruth")
SAM = Member(user_id="U-sam", display_name="Sam", is_moderator=True)

# /template: the second-conversation request and its placeholders, signed with a name that
# must never reach a thread.
SECOND_CONVERSATION = "second_conversation_request"
SIGNED_AS = "Avery Canary"
SECOND_CONVERSATION_VALUES = {
    "interviewer_name": "Marta",
    "organisation": "Brightline",
    "role": "Insights Associate",
    "what_i_now_understand": "the job is mostly analysis",
    "your_name": SIGNED_AS,
}


@functools.cache
def shared_content() -> Content:
    """The packaged content, loaded and checked once per test session (it is immutable)."""
    return load_content()


@dataclass
class RecordingOutbox:
    """An outbox that keeps every intent it is given and invents message ids."""

    capabilities: Capabilities = field(default_factory=lambda: Capabilities(tags=True))
    sent: list[Intent] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    refs: list[tuple[Intent, str]] = field(default_factory=list)

    async def deliver(self, intent: Intent, attempt: Attempt | None = None) -> Delivered | None:
        self.sent.append(intent)
        if isinstance(intent, Send | StartThread):
            ref = f"out-{next(self._ids)}"
            self.refs.append((intent, ref))
            return Delivered(ref)
        return None

    def ref_of(self, wanted: Intent) -> str:
        return next(ref for intent, ref in self.refs if intent is wanted)

    def of(self, kind: type[_T]) -> list[_T]:
        return [intent for intent in self.sent if isinstance(intent, kind)]

    def keys(self) -> list[str | None]:
        """The content keys of the messages sent, in order (see `said`)."""
        return said(self.sent)

    def texts(self) -> list[str]:
        texts: list[str] = []
        for intent in self.sent:
            message = getattr(intent, "message", None)
            if message is not None:
                texts.append(message.text)
        return texts

    def direct_to(self, member: Member) -> list[Send]:
        return [
            s
            for s in self.of(Send)
            if isinstance(s.target, DirectTo) and s.target.user_id == member.user_id
        ]

    def notices_to(self, member: Member) -> list[Notice]:
        return [n for n in self.of(Notice) if n.user_id == member.user_id]

    def clear(self) -> None:
        self.sent.clear()


def said(intents: Iterable[Intent]) -> list[str | None]:
    """The content key of each message among `intents`: what was said, not its wording."""
    messages = (getattr(intent, "message", None) for intent in intents)
    return [message.key for message in messages if message is not None]


def words(key: str, **params: object) -> str:
    """The text of `key` filled with `params`, as the core renders it (English): a test that
    compares a composed text (a list, a status card) with it asserts on the key and its
    params, so the copy can change without breaking it."""
    return shared_content().render(key, DEFAULT_LOCALE, **params)


def form_in(intents: list[Intent]) -> Form:
    """The form among `intents` (the test fails if the core opened none)."""
    return next(intent.form for intent in intents if isinstance(intent, OpenForm))


class EventBase(TypedDict):
    community_id: str
    event_id: str
    actor: Member


class Harness:
    """Drives a real core (real database, real content) the way an adapter would."""

    def __init__(self, core: Rebound, clock: ManualClock, replica: str = "") -> None:
        self.core = core
        self.clock = clock
        self.outbox = RecordingOutbox()
        # Replicas on one database keep their event ids and message refs apart.
        self.replica = replica
        self._event_ids = itertools.count(1)
        self._message_ids = itertools.count(1)

    def next_event_id(self) -> str:
        return f"ev-{self.replica}{next(self._event_ids)}"

    def next_message_ref(self) -> str:
        return f"msg-{self.replica}{next(self._message_ids)}"

    async def send(self, event: InboundEvent) -> list[Intent]:
        return await self.core.handle(event, self.outbox)

    def _base(self, actor: Member) -> EventBase:
        return {"community_id": COMMUNITY, "event_id": self.next_event_id(), "actor": actor}

    async def command(
        self, actor: Member, command: str = "setback", text: str = ""
    ) -> list[Intent]:
        return await self.send(CommandInvoked(**self._base(actor), command=command, text=text))

    async def post(self, actor: Member, **values: str) -> str:
        """Post a setback through the form; returns the thread ref of its root message."""
        form = next(i for i in await self.command(actor) if isinstance(i, OpenForm)).form
        fields = {"title": "Froze in the screening call", "body": "It went badly.", **values}
        intents = await self.submit(actor, form.form_id, **fields)
        rejected = [i for i in intents if isinstance(i, RejectForm)]
        assert not rejected, rejected
        start = next(i for i in self.outbox.sent[::-1] if isinstance(i, StartThread))
        return self.outbox.ref_of(start)

    async def submit(self, actor: Member, form_id: str, **values: str) -> list[Intent]:
        event = FormSubmitted(**self._base(actor), form_id=form_id, values=values)
        return await self.send(event)

    async def reply(self, actor: Member, thread: str, text: str) -> str:
        ref = self.next_message_ref()
        event = MessagePosted(
            **self._base(actor),
            channel_id="support",
            message_ref=ref,
            text=text,
            thread_ref=thread,
        )
        await self.send(event)
        return ref

    async def react(
        self, actor: Member, message_ref: str, emoji: str, *, removed: bool = False
    ) -> list[Intent]:
        kind = ReactionRemoved if removed else ReactionAdded
        return await self.send(kind(**self._base(actor), message_ref=message_ref, emoji=emoji))

    async def dm(self, actor: Member, text: str) -> list[Intent]:
        return await self.send(DirectMessageReceived(**self._base(actor), text=text))

    async def press(self, actor: Member, button: Button) -> list[Intent]:
        return await self.send(ButtonPressed(**self._base(actor), action_id=button.action_id))

    async def mark(
        self, actor: Member, message_ref: str, action: str = "mark_best"
    ) -> list[Intent]:
        event = MessageActionInvoked(**self._base(actor), action=action, message_ref=message_ref)
        return await self.send(event)

    async def wait(self, delta: timedelta) -> int:
        self.clock.advance(delta)
        fired = 0
        while (n := await self.core.tick(lambda _c: self.outbox, frozenset({"console"}))) > 0:
            fired += n
        return fired


@asynccontextmanager
async def harness(
    database_url: str, settings: CommunitySettings | None = None
) -> AsyncIterator[Harness]:
    clock = ManualClock(START)
    core = await build_rebound(database_url, clock, content=shared_content(), worker="test-worker")
    await core.ensure_community(
        COMMUNITY, "console", settings or CommunitySettings(helpers_channel="helpers")
    )
    try:
        yield Harness(core, clock)
    finally:
        await core.close()


async def stored_words(store: Store) -> str:
    """Every post's title and story and every reply's text in the store, as one string."""
    async with store.engine.connect() as db:
        posts = (await db.execute(text("SELECT title || ' ' || body FROM setback"))).scalars()
        replies = (await db.execute(text("SELECT text FROM reply"))).scalars()
        return " | ".join([*posts, *replies])


async def replies_in(store: Store, community_id: str, thread_ref: str) -> list[Reply]:
    """The replies recorded in a post's thread, oldest first."""
    async with store.transaction() as repo:
        post = await repo.post_by_thread(community_id, thread_ref)
        assert post is not None
        return await repo.replies(community_id, post.id)
