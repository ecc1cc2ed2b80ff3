"""What the moderators' web page reads (issue 13), and its one way to change anything: the
library form, submitted as the chat's own form, so the same use case runs and writes the
same audit row. Reads are read-only transactions scoped to one community; outcome figures
come from rollups only (bot/store/rollup_repo.py), so they cost the same whatever the past.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.contract.actions import FormKind, form_id
from bot.contract.events import FormSubmitted
from bot.contract.intents import Intent
from bot.contract.ports import Outbox
from bot.domain.model import Member, OutcomeResult, SetbackKind, Stage
from bot.domain.moderation import LABELS, Action
from bot.engine.runtime import Rebound
from bot.features.library.featuring import CHECKED, SUMMARY_MAX
from bot.features.library.topics import topics
from bot.store.insights_repo import (
    AuditRow,
    Candidate,
    Counts,
    FeaturedItem,
    QueueItem,
    ReplyTimes,
)
from bot.store.rollup_repo import HELPER, KIND, MONTH, STAGE, TEMPLATE

MONTHS_SHOWN = 12
TOP_SHOWN = 10
LIBRARY_SHOWN = 500
CANDIDATES_SHOWN = 50
QUEUE_SHOWN = 100
AUDIT_PAGE = 50
DAY_MINUTES = 24 * 60


@dataclass(frozen=True)
class OutcomesPage:
    results: tuple[tuple[str, str], ...]  # (result, its label), in the order of the counts
    by_month: list[Counts]
    by_stage: list[Counts]
    by_kind: list[Counts]
    helpers: list[Counts]
    templates: list[Counts]
    posts: int
    replied: int
    replied_within_day: int
    # The wait of the median first reply, as its bucket's lower bound (None: no replies).
    median_wait_minutes: int | None


@dataclass(frozen=True)
class LibraryPage:
    featured: list[FeaturedItem]
    candidates: list[Candidate]
    topics: list[str]
    summary_max: int = SUMMARY_MAX


@dataclass(frozen=True)
class QueuePage:
    unanswered: list[QueueItem]
    paused: list[QueueItem]


@dataclass(frozen=True)
class AuditFilter:
    actor_id: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    before_id: int | None = None


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditRow]
    older_than: int | None  # the `before_id` of the next page, if there is one
    actors: list[tuple[str, str]]
    actions: list[tuple[str, str]] = field(default_factory=list)


def median_wait(times: ReplyTimes) -> int | None:
    replied = sum(count for _, count in times.waits)
    if replied == 0:
        return None
    middle, seen = (replied + 1) // 2, 0
    for minutes, count in times.waits:
        seen += count
        if seen >= middle:
            return minutes
    return times.waits[-1][0]


class Insights:
    """The web page's view of one core."""

    def __init__(self, core: Rebound) -> None:
        self._core = core

    def _label(self, community_id: str, key: str) -> str:
        return self._core.say(community_id, key)

    def _labelled(self, community_id: str, counts: list[Counts], prefix: str) -> list[Counts]:
        return [
            Counts(c.key, self._label(community_id, f"{prefix}.{c.key}"), c.by_result)
            if c.key
            else c
            for c in counts
        ]

    async def platform_of(self, community_id: str) -> str | None:
        """The community's platform; None if Rebound does not know it."""
        async with self._core.store.transaction() as repo:
            return await repo.insights.platform_of(community_id)

    async def communities(self, platform: str) -> list[str]:
        async with self._core.store.transaction() as repo:
            return await repo.insights.communities(platform)

    async def outcomes(self, community_id: str) -> OutcomesPage:
        async with self._core.store.transaction() as repo:
            reads = repo.insights
            by_month = await reads.outcome_counts(community_id, MONTH, MONTHS_SHOWN)
            by_stage = await reads.outcome_counts(community_id, STAGE, len(Stage) + 1)
            by_kind = await reads.outcome_counts(community_id, KIND, len(SetbackKind) + 1)
            helpers = await reads.acted_counts(community_id, HELPER, TOP_SHOWN)
            templates = await reads.acted_counts(community_id, TEMPLATE, TOP_SHOWN)
            times = await reads.reply_times(community_id)
        results = tuple(
            (result.value, self._label(community_id, f"result.{result.value}"))
            for result in OutcomeResult
        )
        stage_order = {stage.value: n for n, stage in enumerate(Stage)}
        kind_order = {kind.value: n for n, kind in enumerate(SetbackKind)}
        return OutcomesPage(
            results=results,
            by_month=[Counts(c.key, c.key, c.by_result) for c in by_month],
            by_stage=self._labelled(
                community_id,
                sorted(by_stage, key=lambda c: stage_order.get(c.key, len(stage_order))),
                "stage",
            ),
            by_kind=self._labelled(
                community_id,
                sorted(by_kind, key=lambda c: kind_order.get(c.key, len(kind_order))),
                "kind",
            ),
            helpers=helpers,
            templates=templates,
            posts=times.posts,
            replied=sum(count for _, count in times.waits),
            replied_within_day=sum(count for m, count in times.waits if m < DAY_MINUTES),
            median_wait_minutes=median_wait(times),
        )

    async def library(self, community_id: str) -> LibraryPage:
        async with self._core.store.transaction() as repo:
            reads = repo.insights
            featured = await reads.featured(community_id, LIBRARY_SHOWN)
            candidates = await reads.candidates(community_id, CANDIDATES_SHOWN)
            ctx = await self._core.context(repo, community_id, self._core.clock.now())
            known = await topics(ctx)
        return LibraryPage(featured=featured, candidates=candidates, topics=known)

    async def queue(self, community_id: str) -> QueuePage:
        async with self._core.store.transaction() as repo:
            reads = repo.insights
            return QueuePage(
                unanswered=await reads.unanswered(community_id, QUEUE_SHOWN),
                paused=await reads.paused(community_id, QUEUE_SHOWN),
            )

    def actions(self, community_id: str) -> list[tuple[str, str]]:
        return [(action.value, self._label(community_id, LABELS[action])) for action in Action]

    def action_label(self, community_id: str, action: str) -> str:
        try:
            return self._label(community_id, LABELS[Action(action)])
        except ValueError:  # an action a newer release recorded
            return action

    def stage_label(self, community_id: str, stage: str | None) -> str:
        return self._label(community_id, f"stage.{stage}") if stage in set(Stage) else ""

    def kind_label(self, community_id: str, kind: str | None) -> str:
        return self._label(community_id, f"kind.{kind}") if kind in set(SetbackKind) else ""

    async def audit(self, community_id: str, wanted: AuditFilter) -> AuditPage:
        async with self._core.store.transaction() as repo:
            reads = repo.insights
            rows = await reads.audit(
                community_id,
                actor_id=wanted.actor_id,
                action=wanted.action,
                since=wanted.since,
                until=wanted.until,
                before_id=wanted.before_id,
                limit=AUDIT_PAGE + 1,
            )
            actors = await reads.audit_actors(community_id)
        shown = rows[:AUDIT_PAGE]
        older = shown[-1].id if len(rows) > AUDIT_PAGE else None
        return AuditPage(shown, older, actors, self.actions(community_id))

    # --- sign-in states (used once, before they expire) -----------------------------------

    async def issue_state(self, state: str, lifetime: timedelta) -> None:
        now = self._core.clock.now()
        async with self._core.store.transaction() as repo:
            await repo.insights.issue_state(state, now + lifetime, now)

    async def consume_state(self, state: str) -> bool:
        async with self._core.store.transaction() as repo:
            return await repo.insights.consume_state(state, self._core.clock.now())

    # --- the library form -----------------------------------------------------------------

    async def submit_feature(
        self,
        community_id: str,
        actor: Member,
        *,
        reply_id: int,
        topic: str,
        summary: str,
        unfeature: bool,
        submission: str,
        outbox: Outbox,
    ) -> list[Intent]:
        """The chat's feature form, submitted from the web page: `submission` (one per form
        shown) is its event id, so a form sent twice is applied once."""
        values = {"topic": topic, "summary": summary}
        if unfeature:
            values["unfeature"] = CHECKED
        event = FormSubmitted(
            community_id=community_id,
            event_id=f"web:{submission}",
            actor=actor,
            form_id=form_id(FormKind.FEATURE, reply_id),
            values=values,
        )
        return await self._core.handle(event, outbox)
