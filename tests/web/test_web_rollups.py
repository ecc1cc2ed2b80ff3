"""The outcomes page's rollups, on SQLite and PostgreSQL: kept in step by the transactions
that record posts, replies and outcomes (changed outcomes too), they equal a rebuild from
the records (what migration 0012 runs), and the page's figures equal the records'."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from bot.api import ManualClock, Rebound, build_rebound
from bot.contract.actions import FormKind, form_id
from bot.contract.events import FormSubmitted
from bot.engine.insights import Insights
from bot.store.rollup_repo import (
    ACTED_ROLLUP,
    FIRST_REPLY,
    OUTCOME_ROLLUP,
    REPLY_TIME_ROLLUP,
    RESULTS,
    rebuild,
)
from bot.store.statements import OUTCOME, SETBACK
from tests.support import RecordingOutbox, shared_content
from tests.web.story import HELPER, NAMED, SLACK_ONE, SLACK_TWO, Story
from tests.web.web_site import START


async def _rollups(core: Rebound) -> dict[str, list[tuple[Any, ...]]]:
    async with core.store.engine.connect() as db:
        found = {}
        for target in (OUTCOME_ROLLUP, ACTED_ROLLUP, REPLY_TIME_ROLLUP, FIRST_REPLY):
            rows = await db.execute(select(target))
            found[target.name] = sorted(tuple(row) for row in rows)
        return found


async def _rebuilt(core: Rebound) -> dict[str, list[tuple[Any, ...]]]:
    async with core.store.engine.begin() as db:
        await db.run_sync(rebuild)
    return await _rollups(core)


async def _story(database_url: str) -> tuple[Rebound, Story]:
    clock = ManualClock(START)
    core = await build_rebound(database_url, clock, content=shared_content(), worker="t")
    story = Story(core, clock)
    await story.tell()
    return core, story


async def test_rollups_kept_in_step_equal_a_rebuild(database_url: str) -> None:
    core, story = await _story(database_url)
    try:
        kept = await _rollups(core)
        assert kept["outcome_rollup"] and kept["acted_rollup"] and kept["first_reply"]
        assert kept == await _rebuilt(core)
        # The poster changes their update on purpose: the counts move with it.
        post = story.seeded.posts["The recruiter screen went badly"]
        change = FormSubmitted(
            community_id=SLACK_ONE,
            event_id="change-1",
            actor=NAMED,
            form_id=form_id(FormKind.OUTCOME_CHANGE, post),
            values={"result": "not_this_time", "acted_on": []},
        )
        await core.handle(change, RecordingOutbox())
        changed = await _rollups(core)
        assert changed != kept
        assert changed == await _rebuilt(core)
        page = await Insights(core).outcomes(SLACK_ONE)
        helper = next(c for c in page.helpers if c.label == "Hal Helper")
        assert dict(zip(RESULTS, helper.by_result, strict=True))["partly"] == 0
    finally:
        await core.close()


async def test_the_outcomes_figures_equal_the_records(database_url: str) -> None:
    core, _ = await _story(database_url)
    try:
        async with core.store.engine.connect() as db:
            rows = await db.execute(
                select(SETBACK.c.kind, OUTCOME.c.result, func.count())
                .join(SETBACK, SETBACK.c.id == OUTCOME.c.setback_id)
                .where(OUTCOME.c.community_id == SLACK_ONE)
                .group_by(SETBACK.c.kind, OUTCOME.c.result)
            )
            expected: dict[str, dict[str, int]] = {}
            for kind, result, count in rows:
                expected.setdefault(kind or "", {})[result] = count
            posts = (
                await db.execute(
                    select(func.count())
                    .select_from(SETBACK)
                    .where(SETBACK.c.community_id == SLACK_ONE)
                )
            ).scalar_one()
        page = await Insights(core).outcomes(SLACK_ONE)
        shown = {c.key: dict(zip(RESULTS, c.by_result, strict=True)) for c in page.by_kind}
        assert shown == {k: {r: v.get(r, 0) for r in RESULTS} for k, v in expected.items()}
        assert page.posts == posts == 4
        assert (page.replied, page.replied_within_day, page.median_wait_minutes) == (2, 1, 120)
        other = await Insights(core).outcomes(SLACK_TWO)
        assert other.by_kind == [] and other.posts == 1 and other.replied == 1
    finally:
        await core.close()


async def test_a_forgotten_helper_leaves_the_helpers_list(database_url: str) -> None:
    core, _ = await _story(database_url)
    try:
        page = await Insights(core).outcomes(SLACK_ONE)
        assert [c.label for c in page.helpers] == ["Hal Helper"]
        async with core.store.transaction() as repo:
            await repo.care.data.remove_replies(SLACK_ONE, HELPER.user_id)
        after = await Insights(core).outcomes(SLACK_ONE)
        assert after.helpers == []
        assert after.by_stage == page.by_stage  # the counts, which name no one, stay
    finally:
        await core.close()
