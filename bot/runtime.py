"""The running core: handles inbound events, delivers intents, and fires due follow-ups."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from bot.content import Content
from bot.domain.errors import FormInvalid, RuleViolation
from bot.domain.model import CommunitySettings
from bot.events import FormSubmitted, InboundEvent
from bot.intents import Intent, RejectForm, TrackAs, Tracking
from bot.lowering import lower
from bot.ports import Clock, Outbox
from bot.router import route
from bot.scheduler import Scheduler
from bot.services import answers, posting
from bot.services.context import Context
from bot.store.repo import Repo, Store

log = logging.getLogger(__name__)

OutboxFor = Callable[[str], Outbox | None]
"""Finds the outbox of a community id, or None where this process does not serve it."""


def platform_of(community_id: str) -> str:
    """Community ids are `<platform>:<id on the platform>`."""
    return community_id.split(":", 1)[0]


class Rebound:
    """One core instance; several communities and adapters may share it."""

    def __init__(self, store: Store, content: Content, clock: Clock, worker_id: str) -> None:
        self.store = store
        self.content = content
        self.clock = clock
        self.scheduler = Scheduler(self, worker_id)
        self._settings: dict[str, CommunitySettings] = {}

    async def ensure_community(
        self, community_id: str, platform: str, settings: CommunitySettings
    ) -> None:
        """Create the community with `settings` if new; an existing one keeps its own."""
        async with self.store.transaction() as repo:
            await repo.ensure_community(community_id, platform, settings, self.clock.now())
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
        """Apply `event` once (redeliveries are no-ops) and deliver what it caused."""
        intents = await self.decide(event)
        return await self.deliver(event.community_id, intents, outbox)

    async def decide(self, event: InboundEvent) -> list[Intent]:
        """The intents `event` causes, with its changes committed; [] for a redelivery."""
        now = self.clock.now()
        try:
            async with self.store.transaction() as repo:
                if not await repo.claim_event(event.community_id, event.event_id, now):
                    log.info("redelivery ignored: %s %s", type(event).__name__, event.event_id)
                    return []
                ctx = await self.context(repo, event.community_id, now)
                return await route(ctx, event)
        except (RuleViolation, FormInvalid) as refusal:
            # Nothing of the event's changes was kept; remember the delivery so a redelivery
            # does not repeat the explanation.
            async with self.store.transaction() as repo:
                if not await repo.claim_event(event.community_id, event.event_id, now):
                    return []
                ctx = await self.context(repo, event.community_id, now)
            log.info("refused %s: %s", type(event).__name__, refusal)
            return [_explain(ctx, event, refusal)]

    async def deliver(
        self, community_id: str, intents: Sequence[Intent], outbox: Outbox
    ) -> list[Intent]:
        """Send intents in order, then record the platform ids of messages the core tracks."""
        lowered = lower(intents, outbox.capabilities)
        tracked: list[tuple[Tracking, str]] = []
        for intent in lowered:
            ref = await outbox.deliver(intent)
            track = getattr(intent, "track", None)
            if track is not None and ref is not None:
                tracked.append((track, ref))
        if tracked:
            async with self.store.transaction() as repo:
                ctx = await self.context(repo, community_id, self.clock.now())
                for track, ref in tracked:
                    await _record(ctx, track, ref)
        return lowered

    async def tick(self, outbox_for: OutboxFor, platforms: frozenset[str]) -> int:
        """Fire due follow-ups of communities on `platforms`; return how many fired."""
        return await self.scheduler.tick(outbox_for, platforms)

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
