"""The running core: handles inbound events, delivers intents, and fires due follow-ups."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from typing import Any

from bot.common import form_offers
from bot.common.context import Context
from bot.common.failures import log_failure
from bot.contract.actions import parse_action, parse_form
from bot.contract.event_codec import decode_event, encode_event
from bot.contract.events import FormSubmitted, InboundEvent, normalised, written_text
from bot.contract.intents import Form, Intent, Message, Notice, OpenForm, RejectForm
from bot.contract.ports import Capabilities, Clock, Outbox
from bot.domain.errors import FormInvalid, RuleViolation
from bot.domain.member_text import normalise
from bot.engine.catch_up import OpenThread, open_threads
from bot.engine.degrading import lower
from bot.engine.delivery import Pending, Policy, enqueue, from_rows
from bot.engine.held_messages import hand_over_direct_messages
from bot.engine.kernel import SETTINGS_CACHE_SIZE, Kernel
from bot.engine.metrics import Handling, Recorder, Result, handling
from bot.engine.ordered_edits import revision_of, take_turns_ahead
from bot.engine.router import route
from bot.engine.scheduler import OutboxFor, Scheduler
from bot.features.library.topics import topics_like
from bot.features.templates.catalogue import Suggestion, library_for, suggest
from bot.store.repo import Repo, Store
from bot.words.content import Content

log = logging.getLogger(__name__)

ACCEPTED_WAIT = timedelta(seconds=10)
"""How long an accepted event waits for its decision before a replay takes it: a decision
takes milliseconds, so one still waiting after this lost its process."""
ACCEPTED_TRIES = 3
"""Decisions tried per accepted event before the member is told and it is dropped."""
REPLAY_BATCH = 50

OutboxAt = Callable[[str, Mapping[str, Any]], Awaitable[Outbox | None]]
"""The outbox answering an event of a community, from the route its adapter stored with it
(None where the community is no longer served)."""


class Rebound:
    """One core instance; several communities and adapters may share it. The event path;
    the follow-up path is its `scheduler`; both stand on one `Kernel`."""

    def __init__(
        self,
        store: Store,
        content: Content,
        clock: Clock,
        worker_id: str,
        policy: Policy | None = None,
        *,
        settings_cache_size: int = SETTINGS_CACHE_SIZE,
    ) -> None:
        self.kernel = Kernel(
            store, content, clock, worker_id, policy, settings_cache_size=settings_cache_size
        )
        self.scheduler = Scheduler(self.kernel, worker_id)
        self.ensure_community = self.kernel.ensure_community
        self.context = self.kernel.context
        self.say = self.kernel.say
        self.settings_changed = self.kernel.settings_changed
        self.send = self.kernel.send

    # Read-only views of the kernel's parts (set them on the kernel, which both paths share).
    @property
    def store(self) -> Store:
        return self.kernel.store

    @property
    def content(self) -> Content:
        return self.kernel.content

    @property
    def clock(self) -> Clock:
        return self.kernel.clock

    @property
    def worker_id(self) -> str:
        return self.kernel.worker_id

    @property
    def policy(self) -> Policy:
        return self.kernel.policy

    @property
    def metrics(self) -> Recorder:
        return self.kernel.metrics

    @metrics.setter
    def metrics(self, recorder: Recorder) -> None:
        """Where both paths record what they do (a Prometheus recorder, or nothing)."""
        self.kernel.metrics = recorder

    async def handle(self, event: InboundEvent, outbox: Outbox) -> list[Intent]:
        """Apply `event` once (redeliveries only resume what failed) and deliver its intents.

        Every text in `event` is first normalised (`events.normalised`): the core's edge.
        Never raises for a member's input: an unexpected failure changes nothing, is logged
        without the member's words, and the member is told; what they wrote comes back to
        them privately, so it is not lost.
        """
        event = normalised(event)
        pending = await self._decided(event, outbox.capabilities)
        return await self.send(event.community_id, pending, outbox)

    async def handle_elsewhere(self, event: InboundEvent, outbox: Outbox) -> list[Intent]:
        """`handle` in a process that does not serve `event`'s community but was given the
        event (a Discord shard is given every server's private messages): what is not
        stored (the answer to the member, which only this process can give) goes out
        through `outbox`; what is stored is left free and due to the process serving the
        community."""
        event = normalised(event)
        pending = await self._decided(event, outbox.capabilities)
        theirs = [item for item in pending if item.row_id is not None]
        if theirs:
            async with self.store.transaction() as repo:
                await repo.outbound.release([i.row_id for i in theirs if i.row_id], self.worker_id)
                for item in theirs:
                    revision = revision_of(item.intent)
                    if item.turn is not None and revision is not None:
                        await repo.shown.end_turn(revision.setback_id, item.turn.turn, None)
        here = [item for item in pending if item.row_id is None]
        return await self.send(event.community_id, here, outbox)

    async def community_of_direct_message(
        self, platform: str, user_id: str, custom_id: str = ""
    ) -> str | None:
        """The community a private message (or a button or form in one, by its id) is
        about, from the records: the member's post the id names, else their newest open
        post on `platform`; None when they have none."""
        parsed = parse_action(custom_id) or parse_form(custom_id)
        setback_id = parsed.number() if parsed is not None else None
        async with self.store.transaction() as repo:
            return await repo.poster_community(platform, user_id, setback_id)

    async def accept(
        self, event: InboundEvent, platform: str, route: Mapping[str, Any]
    ) -> InboundEvent | None:
        """Store `event` before it is acknowledged, to decide it after (`decide_accepted`):
        once this returns, a crash loses nothing (`replay_accepted` decides what waited).
        `route` is the adapter's, to answer the event (a channel, a thread). Returns the
        event normalised; None when it is stored already (a redelivery while it waits:
        deciding it is the first delivery's work)."""
        event = normalised(event)
        stored = encode_event(event)
        async with self.store.transaction() as repo:
            fresh = await repo.accepted.accept(
                event.community_id,
                event.event_id,
                platform=platform,
                event=stored,
                route=dict(route),
                now=self.clock.now(),
            )
        return event if fresh else None

    async def decide_accepted(
        self, event: InboundEvent, capabilities: Capabilities
    ) -> list[Pending]:
        """`decide` for an event `accept` stored, which the decision removes. Its commit does
        not wait for the disk: the stored event did, so a power cut that undoes the
        decision leaves the event to be decided again, and a stored row is delivered only
        after a commit that waits for the disk (bot/engine/delivery.py). Raises when the
        decision fails: the event waits for a replay."""
        return await self._decide(event, capabilities, accepted=True)

    async def replay_accepted(self, platform: str, outbox_at: OutboxAt) -> int:
        """Decide and deliver the accepted events of `platform` left waiting (their process
        stopped between the ack and the decision). Another replica's replay takes them
        only once they wait again; deciding one twice is a redelivery, which changes
        nothing. After ACCEPTED_TRIES failed decisions the member is told, with their own
        words, and the event dropped. Returns how many were taken."""
        now = self.clock.now()
        async with self.store.transaction() as repo:
            waiting = await repo.accepted.take_waiting(
                platform, now - ACCEPTED_WAIT, now, REPLAY_BATCH
            )
        for row in waiting:
            event = decode_event(row.event)
            outbox = await outbox_at(row.community_id, row.route)
            if outbox is None:
                await self._forget_accepted(event)
                continue
            log.info("deciding %s %s after a restart", type(event).__name__, event.event_id)
            try:
                pending = await self.decide_accepted(event, outbox.capabilities)
            except Exception as failure:
                log_failure(log, f"deciding {type(event).__name__} {event.event_id}", failure)
                if row.attempts < ACCEPTED_TRIES:
                    continue
                await self._forget_accepted(event)
                pending = [self._sorry_pending(event)]
            await self.send(event.community_id, pending, outbox)
        return len(waiting)

    async def _forget_accepted(self, event: InboundEvent) -> None:
        async with self.store.transaction() as repo:
            await repo.accepted.forget(event.community_id, event.event_id)

    async def _decided(self, event: InboundEvent, capabilities: Capabilities) -> list[Pending]:
        try:
            return await self._decide(event, capabilities)
        except Exception as failure:
            log_failure(log, f"handling {type(event).__name__} {event.event_id}", failure)
            return [self._sorry_pending(event)]

    def _sorry_pending(self, event: InboundEvent) -> Pending:
        sorry = Notice(user_id=event.actor.user_id, message=self._sorry(event))
        return Pending(sorry, f"event:{event.event_id}")

    def _sorry(self, event: InboundEvent) -> Message:
        written = written_text(event)
        key, params = (
            ("error.not_saved", {"text": written}) if written else ("error.unexpected", {})
        )
        return Message(text=self.say(event.community_id, key, **params), key=key, params=params)

    async def seen(self, community_id: str, event_id: str) -> bool:
        """Whether `event_id` was already applied: adapters skip costly look-ups (a member's
        profile) for a redelivery, whose decision needs none of them."""
        async with self.store.transaction() as repo:
            return await repo.event_seen(community_id, event_id)

    async def decide(self, event: InboundEvent, capabilities: Capabilities) -> list[Pending]:
        """Apply `event` and store its durable intents, in one transaction: the entry of
        adapters that acknowledge in between (Slack), normalised like `handle`'s."""
        return await self._decide(normalised(event), capabilities)

    async def _decide(
        self, event: InboundEvent, capabilities: Capabilities, *, accepted: bool = False
    ) -> list[Pending]:
        kind, community = type(event).__name__, event.community_id
        with handling(self.metrics, kind, community, event.event_id) as handled:
            return await self._apply(event, capabilities, handled, accepted)

    async def _apply(
        self, event: InboundEvent, capabilities: Capabilities, handled: Handling, accepted: bool
    ) -> list[Pending]:
        now, source = self.clock.now(), f"event:{event.event_id}"
        try:
            async with self._claiming(event, now, accepted) as (repo, claimed):
                if not claimed:
                    log.info("redelivery: %s %s", type(event).__name__, event.event_id)
                    handled.result = Result.REDELIVERY
                    rows = await repo.outbound.claim_source(
                        event.community_id, source, now, self.worker_id, now + self.policy.lease
                    )
                    return from_rows(rows)
                ctx = await self.context(repo, event.community_id, now)
                intents = await lower(ctx, await route(ctx, event), capabilities)
                repo.claim_optional = not accepted and _only_forms(intents)
                stored = await enqueue(ctx, {source: intents}, self.worker_id, self.policy.lease)
                return await take_turns_ahead(repo, stored, self.worker_id, now)
        except (RuleViolation, FormInvalid) as refusal:
            # None of the event's changes were kept; remember the delivery so a redelivery
            # does not repeat the explanation.
            async with self._claiming(event, now, accepted) as (repo, claimed):
                if not claimed:
                    return []
                ctx = await self.context(repo, event.community_id, now)
                explained = await lower(ctx, [_explain(ctx, event, refusal)], capabilities)
            log.info("refused %s: %s", type(event).__name__, refusal)
            handled.result = Result.REFUSED
            return [Pending(intent, source) for intent in explained]

    def _claiming(
        self, event: InboundEvent, now: datetime, accepted: bool
    ) -> AbstractAsyncContextManager[tuple[Repo, bool]]:
        """The event's transaction, begun by recording it as applied (False: it was
        already, a redelivery); an accepted event stops waiting for its decision at the
        same time, and its decision's commit does not wait for the disk (see
        `decide_accepted`)."""
        return self.store.claiming(
            event.community_id, event.event_id, now, durable=not accepted, accepted=accepted
        )

    async def tick(self, outbox_for: OutboxFor, platforms: frozenset[str]) -> int:
        """Retry undelivered intents and fire due follow-ups of communities on `platforms`.

        Returns how many intents reached a platform; tick until it returns 0 to catch up.
        """
        return await self.scheduler.tick(outbox_for, platforms)

    async def suggest_templates(
        self, community_id: str, query: str, limit: int = 25
    ) -> list[Suggestion]:
        """Autocomplete for `/template`: ids matching what the member has typed so far."""
        async with self.store.transaction() as repo:
            ctx = await self.context(repo, community_id, self.clock.now())
            return suggest(await library_for(ctx), normalise(query), limit)

    async def open_threads(self, community_id: str) -> list[OpenThread]:
        """Each open post's thread and the messages recorded in it (for catching up)."""
        return await open_threads(self.store, community_id)

    async def hand_over_direct_messages(
        self, community_id: str, user_id: str, show: Callable[[Message], Awaitable[None]]
    ) -> None:
        """Private messages the platform would not take, shown while the member is here."""
        await hand_over_direct_messages(self.store, self.clock, community_id, user_id, show)

    async def offered_form(self, community_id: str, user_id: str, action: str) -> Form | None:
        """The form behind a form offer's button (see bot/common/form_offers.py), for an
        adapter to open at once in answer to the click; None when `action` is not such a
        button, or the form is not (or no longer) `user_id`'s. One read, nothing recorded."""
        offer_id = form_offers.offer_id_of(action)
        if offer_id is None:
            return None
        async with self.store.transaction() as repo:
            return await form_offers.kept_form(
                repo, community_id, user_id, offer_id, self.clock.now()
            )

    def opens_offered_form(self, action: str) -> bool:
        return form_offers.offer_id_of(action) is not None

    async def suggest_topics(self, community_id: str, query: str, limit: int = 25) -> list[str]:
        """Autocomplete for `/rebound library`: library topics containing what was typed."""
        async with self.store.transaction() as repo:
            ctx = await self.context(repo, community_id, self.clock.now())
            return await topics_like(ctx, normalise(query), limit)

    async def close(self) -> None:
        await self.store.dispose()


def _only_forms(intents: list[Intent]) -> bool:
    """Whether the answer is forms alone: a form opens through the platform's single-use
    answer to the member's gesture (Slack's trigger_id, Discord's interaction token), so
    deciding the event again cannot open it twice (a used trigger is refused like a late
    one: the form is offered behind a button). Neither platform redelivers a gesture."""
    return bool(intents) and all(type(intent) is OpenForm for intent in intents)


def _explain(ctx: Context, event: InboundEvent, refusal: RuleViolation | FormInvalid) -> Intent:
    if isinstance(refusal, RuleViolation):
        if isinstance(event, FormSubmitted) and refusal.field:
            return RejectForm(
                form_id=event.form_id,
                errors={refusal.field: ctx.say(refusal.key, **refusal.params)},
            )
        return ctx.explain(event.actor, refusal)
    form_id = event.form_id if isinstance(event, FormSubmitted) else ""
    errors = {name: ctx.say(p.key, **p.params) for name, p in refusal.problems.items()}
    return RejectForm(form_id=form_id, errors=errors)
