"""Fakes for the console's tests: a canned core and a toy core that walks the setback loop."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.common.clock import ManualClock
from bot.contract.events import (
    ButtonPressed,
    CommandInvoked,
    DirectMessageReceived,
    FormSubmitted,
    InboundEvent,
    MessageActionInvoked,
)
from bot.contract.intents import (
    Button,
    Choice,
    CloseThread,
    DirectTo,
    EditMessage,
    Form,
    FormField,
    Intent,
    Link,
    Message,
    Notice,
    OpenForm,
    RejectForm,
    Send,
    SetThreadTags,
    StartThread,
    Thread,
)
from bot.contract.ports import Outbox
from bot.domain.model import CommunitySettings, Member
from bot.engine.scheduler import OutboxFor

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MAYA = Member(user_id="U1", display_name="Maya")
JO = Member(user_id="U2", display_name="Jo")
SAM = Member(user_id="U9", display_name="Sam", is_moderator=True)
MEMBERS = (MAYA, JO, SAM)
PSEUDONYM = "Quiet Heron (the poster, anonymous)"

SETBACK_FORM = Form(
    form_id="rb:form:setback",
    title="Share a setback",
    submit_label="Post it",
    fields=(
        FormField(name="title", label="A short title", kind="text", required=True),
        FormField(name="body", label="What happened", kind="long_text", required=True),
        FormField(
            name="stage",
            label="How far you got",
            kind="choice",
            choices=(
                Choice(value="recruiter_screen", label="Recruiter screen"),
                Choice(value="panel", label="Panel or onsite"),
            ),
        ),
        FormField(name="anonymous", label="Post anonymously", kind="checkbox"),
        FormField(name="ask_outcome_on", label="When should I check in?", kind="date"),
    ),
)
OUTCOME_BUTTONS = (
    Button(label="It worked", action_id="rb:outcome:1:worked"),
    Button(label="Still waiting", action_id="rb:waiting:1"),
)

Answer = Callable[[InboundEvent], Sequence[Intent]]


@dataclass
class FakeCore:
    """Stands in for `bot.engine.runtime.Rebound`: records events, delivers canned intents,
    and fires scheduled intents from `tick`, one per call (as a real tick may)."""

    clock: ManualClock
    answer: Answer = lambda event: ()
    events: list[InboundEvent] = field(default_factory=list)
    delivered: list[tuple[Intent, str | None]] = field(default_factory=list)
    communities: list[tuple[str, str, CommunitySettings]] = field(default_factory=list)
    scheduled: list[tuple[datetime, Intent]] = field(default_factory=list)
    ticks: list[datetime] = field(default_factory=list)
    closed: bool = False

    async def ensure_community(
        self, community_id: str, platform: str, settings: CommunitySettings
    ) -> None:
        self.communities.append((community_id, platform, settings))

    async def handle(self, event: InboundEvent, outbox: Outbox) -> list[Intent]:
        self.events.append(event)
        intents = list(self.answer(event))
        for intent in intents:
            await self._deliver(outbox, intent)
        return intents

    async def _deliver(self, outbox: Outbox, intent: Intent) -> None:
        made = await outbox.deliver(intent)
        self.delivered.append((intent, made.message_ref if made else None))

    def schedule(self, after: timedelta, intent: Intent) -> None:
        self.scheduled.append((self.clock.now() + after, intent))

    async def tick(self, outbox_for: OutboxFor, platforms: frozenset[str]) -> int:
        self.ticks.append(self.clock.now())
        due = sorted(
            (item for item in self.scheduled if item[0] <= self.clock.now()),
            key=lambda item: item[0],
        )
        outbox = outbox_for(self.communities[0][0]) if self.communities else None
        if not due or outbox is None or "console" not in platforms:
            return 0
        self.scheduled.remove(due[0])
        await self._deliver(outbox, due[0][1])
        return 1

    async def close(self) -> None:
        self.closed = True

    def refs_of(self, kind: type) -> list[str | None]:
        return [ref for intent, ref in self.delivered if isinstance(intent, kind)]


class ToyCore(FakeCore):
    """A few lines of the real loop: post via form, relay DMs, best answers, outcome."""

    def __init__(self, clock: ManualClock) -> None:
        super().__init__(clock, self._answer)
        self.anonymous = False

    @property
    def root(self) -> str:
        ref = self.refs_of(StartThread)[-1]
        assert ref is not None
        return ref

    def _answer(self, event: InboundEvent) -> Sequence[Intent]:
        actor = event.actor
        match event:
            case CommandInvoked(command="setback"):
                return [OpenForm(user_id=actor.user_id, form=SETBACK_FORM)]
            case FormSubmitted(values=values) if not values.get("title"):
                return [RejectForm(form_id=event.form_id, errors={"title": "Please add a title."})]
            case FormSubmitted(values=values):
                self.anonymous = values.get("anonymous") == "yes"
                self.schedule(timedelta(days=10), self._ask(actor))
                return [
                    StartThread(
                        channel_id="support",
                        title=str(values["title"]),
                        message=Message(text=str(values["body"]), author=self._poster(actor)),
                        tags=("Open",),
                    ),
                    Notice(user_id=actor.user_id, message=Message(text="Your post is up.")),
                ]
            case DirectMessageReceived(text=text):
                message = Message(text=text, author=self._poster(actor))
                return [Send(target=Thread(thread_ref=self.root), message=message)]
            case MessageActionInvoked(action="mark_best", message_ref=ref):
                best = Message(text="Best answers:", links=(Link(label="Jo", message_ref=ref),))
                return [
                    EditMessage(message_ref=self.root, message=best),
                    SetThreadTags(thread_ref=self.root, tags=("Answered",)),
                    Notice(user_id=actor.user_id, message=Message(text="Marked.")),
                ]
            case ButtonPressed(action_id="rb:outcome:1:worked"):
                update = Message(text="Update from the poster: it worked.")
                return [
                    Send(target=Thread(thread_ref=self.root), message=update),
                    CloseThread(thread_ref=self.root),
                ]
        return []

    def _poster(self, actor: Member) -> str | None:
        return PSEUDONYM if self.anonymous else None

    @staticmethod
    def _ask(actor: Member) -> Intent:
        ask = Message(text="How did it go?", buttons=OUTCOME_BUTTONS)
        return Send(target=DirectTo(user_id=actor.user_id), message=ask)
