"""The running core: handles inbound events, delivers intents, and fires due follow-ups."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from bot.content import DEFAULT_LOCALE, Content
from bot.delivery import Ledger, Pending, Policy, enqueue, from_rows, send_in_order
from bot.domain.errors import FormInvalid, RuleViolation
from bot.domain.model import CommunitySettings
from bot.events import FormSubmitted, InboundEvent, normalised, written_text
from bot.failures import log_failure
from bot.features.library.topics import topics_like
from bot.intents import Intent, Message, Notice, RejectForm, TrackAs, Tracking
from bot.lowering import lower
from bot.member_text import normalise
from bot.ordered_edits import OrderedEdits
from bot.ports import Capabilities, Clock, Outbox
from bot.router import route
from bot.scheduler import OutboxFor, Scheduler
from bot.services import answers, outcomes, posting
from bot.services.context import Context
from bot.services.template_library import Suggestion, library_for, suggest
from bot.store.repo import Repo, Store

log = logging.getLogger(__name__)


def platform_of(community_id: str) -> str:
    """Community ids are `<platform>:<id on the platform>`."""
    return community_id.split(":", 1)[0]


class Rebound:
    """One core instance; several communities and adapters may share it."""

    def __init__(
        self,
        store: Store,
        content: Content,
        clock: Clock,
        worker_id: str,
        policy: Policy | None = None,
    ) -> None:
        self.store = store
        self.content = content
        self.clock = clock
        self.worker_id = worker_id
        self.policy = policy or Policy()
        self.scheduler = Scheduler(self, worker_id)
        self._settings: dict[str, CommunitySettings] = {}

    async def ensure_community(
        self, community_id: str, platform: str, settings: CommunitySettings
    ) -> None:
        """Create the community, or bring its settings up to `settings`: the adapter's
        configuration (channels, emoji, locale) is the source of truth at each start."""
        async with self.store.transaction() as repo:
            await repo.ensure_community(community_id, platform, settings, self.clock.now())
            found = await repo.community(community_id)
            if found is not None and found[1] != settings:
                await repo.update_settings(community_id, settings)
        self._settings.pop(community_id, None)

    async def context(self, repo: Repo, community_id: str, now: datetime) -> Context:
        settings = self._settings.get(community_id)
        if settings is None:
            found = await repo.community(community_id)
            if found is None:
                settings = CommunitySettings()
                await repo.ensure_community(community_id, platform_of(community_id), settings, now)
            else:
                settings = found[1]
            self._settings[community_id] = settings
        return Context(repo, now, community_id, platform_of(community_id), settings, self.content)

    async def handle(self, event: InboundEvent, outbox: Outbox) -> list[Intent]:
        """Apply `event` once (redeliveries only resume what failed) and deliver its intents.

        Every text in `event` is first normalised (`events.normalised`): the core's edge.
        Never raises for a member's input: an unexpected failure changes nothing, is logged
        without the member's words, and the member is told; what they wrote comes back to
        them privately, so it is not lost.
        """
        event = normalised(event)
        try:
            pending = await self._decide(event, outbox.capabilities)
        except Exception as failure:
            log_failure(log, f"handling {type(event).__name__} {event.event_id}", failure)
            sorry = Notice(user_id=event.actor.user_id, message=Message(text=self._sorry(event)))
            pending = [Pending(sorry, f"event:{event.event_id}")]
        return await self.send(event.community_id, pending, outbox)

    def _sorry(self, event: InboundEvent) -> str:
        written = written_text(event)
        if written:
            return self.say(event.community_id, "error.not_saved", text=written)
        return self.say(event.community_id, "error.unexpected")

    def say(self, community_id: str, key: str, **params: object) -> str:
        """A message from content/ in the community's locale (English until its settings
        are loaded), for adapters that must speak outside an event."""
        settings = self._settings.get(community_id)
        locale = settings.locale if settings else DEFAULT_LOCALE
        return self.content.render(key, locale, **params)

    async def seen(self, community_id: str, event_id: str) -> bool:
        """Whether `event_id` was already applied: adapters skip costly look-ups (a member's
        profile) for a redelivery, whose decision needs none of them."""
        async with self.store.transaction() as repo:
            return await repo.event_seen(community_id, event_id)

    async def decide(self, event: InboundEvent, capabilities: Capabilities) -> list[Pending]:
        """Apply `event` and store its durable intents, in one transaction: the entry of
        adapters that acknowledge in between (Slack), normalised like `handle`'s."""
        return await self._decide(normalised(event), capabilities)

    async def _decide(self, event: InboundEvent, capabilities: Capabilities) -> list[Pending]:
        now, source = self.clock.now(), f"event:{event.event_id}"
        try:
            async with self.store.transaction() as repo:
                if not await repo.claim_event(event.community_id, event.event_id, now):
                    log.info("redelivery: %s %s", type(event).__name__, event.event_id)
                    rows = await repo.outbound.claim_source(
                        event.community_id, source, now, self.worker_id, now + self.policy.lease
                    )
                    return from_rows(rows)
                ctx = await self.context(repo, event.community_id, now)
                intents = await lower(ctx, await route(ctx, event), capabilities)
                return await enqueue(ctx, {source: intents}, self.worker_id, self.policy.lease)
        except (RuleViolation, FormInvalid) as refusal:
            # None of the event's changes were kept; remember the delivery so a redelivery
            # does not repeat the explanation.
            async with self.store.transaction() as repo:
                if not await repo.claim_event(event.community_id, event.event_id, now):
                    return []
                ctx = await self.context(repo, event.community_id, now)
                explained = await lower(ctx, [_explain(ctx, event, refusal)], capabilities)
            log.info("refused %s: %s", type(event).__name__, refusal)
            return [Pending(intent, source) for intent in explained]

    async def send(
        self,
        community_id: str,
        pending: Sequence[Pending],
        outbox: Outbox,
        owner: str | None = None,
    ) -> list[Intent]:
        """Deliver in order, recording each delivery (and what it tracks) as it is confirmed.

        `owner` is whoever claimed the stored rows (a scheduler's own id); the core's id
        by default, which claims what its events store.
        """
        if not pending:
            return []
        owner = owner or self.worker_id

        async def track(repo: Repo, tracking: Tracking, ref: str) -> None:
            ctx = await self.context(repo, community_id, self.clock.now())
            await _record(ctx, tracking, ref)

        ledger = Ledger(self.store, self.clock, owner, self.policy, track)
        ordered = OrderedEdits(outbox, self.store, self.clock, owner)
        return await send_in_order(pending, ordered, ledger)

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

    async def suggest_topics(self, community_id: str, query: str, limit: int = 25) -> list[str]:
        """Autocomplete for `/rebound library`: library topics containing what was typed."""
        async with self.store.transaction() as repo:
            ctx = await self.context(repo, community_id, self.clock.now())
            return await topics_like(ctx, normalise(query), limit)

    async def close(self) -> None:
        await self.store.dispose()


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


async def _record(ctx: Context, track: Tracking, ref: str) -> None:
    if track.kind is TrackAs.SETBACK_THREAD:
        await posting.on_thread_started(ctx, track.record_id, ref)
    elif track.kind is TrackAs.STATUS_MESSAGE:
        await posting.on_status_message_sent(ctx, track.record_id, ref)
    elif track.kind is TrackAs.RELAYED_REPLY:
        await answers.on_relay_sent(ctx, track.record_id, ref)
    elif track.kind is TrackAs.OUTCOME_ASK:
        await outcomes.on_ask_sent(ctx, track.record_id, ref)
