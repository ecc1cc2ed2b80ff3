"""What the event path (`Rebound`) and the follow-up path (`Scheduler`) share: the store,
the clock, the words, the delivery policy and the settings cache; the `Context` each use
case receives; and sending, which records each delivery and what it becomes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.common import form_offers
from bot.common.bounded import Bounded
from bot.common.context import Context
from bot.contract.ids import CommunityId
from bot.contract.intents import Intent, OpenForm, Tracking
from bot.contract.ports import Clock, Delivered, FormTooLate, Outbox
from bot.domain.model import CommunitySettings
from bot.engine.degrading import lower
from bot.engine.delivery import Ledger, Pending, Policy, send_in_order
from bot.engine.late_links import ResolvingLinks
from bot.engine.metrics import NULL, Recorder
from bot.engine.ordered_edits import OrderedEdits
from bot.engine.router import route_receipt
from bot.store.repo import Repo, Store
from bot.words.content import DEFAULT_LOCALE, Content

SETTINGS_CACHE_SIZE = 1000


def platform_of(community_id: str) -> str:
    return CommunityId.parse(community_id).platform


class Kernel:
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
        self.store = store
        self.content = content
        self.clock = clock
        self.worker_id = worker_id
        self.policy = policy or Policy()
        # Each community's settings as last read: at most `settings_cache_size` of them.
        self.settings_cache: Bounded[str, CommunitySettings] = Bounded(settings_cache_size)
        self.metrics: Recorder = NULL

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
        self.settings_cache.pop(community_id)

    def settings_changed(self, community_id: str) -> None:
        """The community's settings were changed in the store: read them again."""
        self.settings_cache.pop(community_id)

    async def context(self, repo: Repo, community_id: str, now: datetime) -> Context:
        settings = self.settings_cache.get(community_id)
        if settings is None:
            found = await repo.community(community_id)
            if found is None:
                settings = CommunitySettings()
                await repo.ensure_community(community_id, platform_of(community_id), settings, now)
            else:
                settings = found[1]
            self.settings_cache.put(community_id, settings)
        return Context(repo, now, community_id, platform_of(community_id), settings, self.content)

    def say(self, community_id: str, key: str, **params: object) -> str:
        """A message from content/ in the community's locale (English until its settings
        are loaded), for adapters that must speak outside an event."""
        settings = self.settings_cache.get(community_id)
        locale = settings.locale if settings else DEFAULT_LOCALE
        return self.content.render(key, locale, **params)

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

        async def track(repo: Repo, tracking: Tracking, made: Delivered) -> None:
            ctx = await self.context(repo, community_id, self.clock.now())
            await route_receipt(ctx, tracking, made)

        async def offer_form(form: OpenForm, too_late: FormTooLate) -> list[Intent]:
            async with self.store.transaction() as repo:
                ctx = await self.context(repo, community_id, self.clock.now())
                notice = await form_offers.offer(ctx, form.user_id, too_late.form)
                return await lower(ctx, [notice], outbox.capabilities)

        linked = ResolvingLinks(outbox, self.store, community_id)
        ordered = OrderedEdits(linked, self.store, self.clock, owner, pending)
        ledger = Ledger(
            self.store,
            self.clock,
            owner,
            self.policy,
            track,
            after=ordered.end_turns_in,
            metrics=self.metrics,
        )
        try:
            return await send_in_order(pending, ordered, ledger, offer_form)
        finally:
            await ordered.finish()
