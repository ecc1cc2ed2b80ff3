"""The template library: start-up validation cost and `/template` latency through the core.

* content load: `load_content()` (every message key and the whole template library parsed and
  checked, as at start-up), best of several runs and the median.
* list / search / fill+preview: `Rebound.handle` on a fresh SQLite file with an in-memory
  outbox, the way an adapter drives it; a fill is the form submitted and the preview (with its
  stored draft) coming back.
"""

from __future__ import annotations

import itertools
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.common import BenchResult, CountingOutbox, Goal, percentile
from bot.common.clock import ManualClock
from bot.contract.actions import FormKind, form_id
from bot.contract.events import CommandInvoked, FormSubmitted, InboundEvent
from bot.domain.model import CommunitySettings, Member
from bot.engine.bootstrap import build_rebound
from bot.engine.runtime import Rebound
from bot.words.content import load_content
from bot.words.templates.rendering import sample_values

NAME = "templates"
TITLE = "Template library: start-up validation and /template latency (SQLite file)"

FULL_ROUNDS, QUICK_ROUNDS = 300, 5
LOADS_FULL, LOADS_QUICK = 20, 2
COMMUNITY = "console:bench"
MEMBER = Member(user_id="U-bench", display_name="Bench")
LOAD_GOAL_MS = 300.0
PREVIEW_P99_GOAL_MS = 25.0


def _content_load_ms(loads: int) -> list[float]:
    timings: list[float] = []
    for _ in range(loads):
        started = time.perf_counter()
        load_content()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


async def _timed(
    samples: list[float], core: Rebound, event: InboundEvent, outbox: CountingOutbox
) -> None:
    started = time.perf_counter()
    await core.handle(event, outbox)
    samples.append((time.perf_counter() - started) * 1000)


async def _measure(core: Rebound, rounds: int) -> dict[str, list[float]]:
    outbox = CountingOutbox()
    ids = itertools.count(1)
    template = core.content.templates().templates[0]
    variant = template.variants[0]
    fill_form = form_id(FormKind.TEMPLATE, template.key, variant.channel, variant.register)
    values = sample_values(template)

    def event(kind: type[InboundEvent], **fields: object) -> InboundEvent:
        return kind(community_id=COMMUNITY, event_id=f"b-{next(ids)}", actor=MEMBER, **fields)

    samples: dict[str, list[float]] = {"list": [], "search": [], "fill+preview": []}
    for _ in range(rounds):
        listing = event(CommandInvoked, command="template")
        await _timed(samples["list"], core, listing, outbox)
        search = event(CommandInvoked, command="template", text="feedback after a no")
        await _timed(samples["search"], core, search, outbox)
        filled = event(FormSubmitted, form_id=fill_form, values=values)
        await _timed(samples["fill+preview"], core, filled, outbox)
    return samples


async def run(*, quick: bool = False, workdir: Path | None = None) -> BenchResult:
    result = BenchResult(NAME, TITLE)
    loads = _content_load_ms(LOADS_QUICK if quick else LOADS_FULL)
    result.add("content load best", min(loads), "ms", Goal("<=", LOAD_GOAL_MS), key=True)
    result.add("content load median", statistics.median(loads), "ms")
    rounds = QUICK_ROUNDS if quick else FULL_ROUNDS
    with tempfile.TemporaryDirectory(dir=workdir, prefix="rebound-bench-") as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'templates.db'}"
        core = await build_rebound(
            url, ManualClock(datetime(2026, 3, 2, 9, tzinfo=UTC)), worker="bench"
        )
        try:
            await core.ensure_community(COMMUNITY, "console", CommunitySettings())
            samples = await _measure(core, rounds)
        finally:
            await core.close()
    for op, timings in samples.items():
        goal = Goal("<=", PREVIEW_P99_GOAL_MS) if op == "fill+preview" else None
        result.add(f"{op} p50", percentile(timings, 50), "ms")
        result.add(f"{op} p99", percentile(timings, 99), "ms", goal, key=op == "fill+preview")
    templates = load_content().templates()
    variants = sum(len(t.variants) for t in templates.templates)
    result.notes.append(
        f"{len(templates.templates)} templates, {variants} variants; {rounds} rounds"
    )
    return result
