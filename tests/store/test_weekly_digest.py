"""The weekly digest reaches the helpers' channel exactly once per week: two workers
ticking at the same moment store it once, a restart after downtime sends the missed week
on its next tick, and hidden or unfeatured answers are not in it."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.contract.intents import Channel, Send
from bot.domain.model import CommunitySettings
from bot.features.library.digest import week_moment
from tests.store.test_post_races import Platform, Replicas
from tests.support import COMMUNITY, JO, MAYA, SAM, START, form_in, words

HELPERS = Channel(channel_id="helpers")


def _digests(replicas: Replicas) -> list[Send]:
    sent = replicas.platform.of(Send)
    return [s for s in sent if s.target == HELPERS and s.message.key == "digest.header"]


async def _tick_both(replicas: Replicas) -> None:
    def outbox(_community: str) -> Platform:
        return replicas.platform

    await asyncio.gather(
        replicas.a.core.tick(outbox, frozenset({"console"})),
        replicas.b.core.tick(outbox, frozenset({"console"})),
    )


def test_the_moment_is_the_latest_weekday_and_hour_passed() -> None:
    monday_nine = START  # 2 March 2026 was a Monday
    assert week_moment(monday_nine, 0, 9) == monday_nine
    assert week_moment(monday_nine - timedelta(minutes=1), 0, 9) == monday_nine - timedelta(days=7)
    assert week_moment(monday_nine + timedelta(days=3), 4, 18) == monday_nine - timedelta(
        days=3
    ) + timedelta(hours=9)


async def test_two_workers_send_each_weeks_digest_once(replicas: Replicas) -> None:
    clock = replicas.a.clock
    weekly = CommunitySettings(helpers_channel="helpers", digest_weekday=0, digest_hour=9)
    await replicas.a.core.ensure_community(COMMUNITY, "console", weekly)
    await replicas.b.core.ensure_community(COMMUNITY, "console", weekly)
    thread = await replicas.a.post(MAYA, title="Froze in the SQL screen", body="Blank.")
    tip = await replicas.a.reply(JO, thread, "Practise joins out loud.")
    form = form_in(await replicas.a.mark(SAM, tip, "feature_answer"))
    await replicas.a.submit(SAM, form.form_id, topic="Ghosting", summary="Joins out loud")
    await replicas.a.post(MAYA, title="Still waiting for anyone", body="Quiet.")
    clock.advance(timedelta(days=7) - timedelta(minutes=1))
    await _tick_both(replicas)
    assert _digests(replicas) == []  # the first moment after the community began: not yet

    clock.advance(timedelta(minutes=1))
    await _tick_both(replicas)
    await _tick_both(replicas)
    (first,) = _digests(replicas)
    counts = words("digest.counts", new=2, unanswered=1, outcomes=0)
    header = words("digest.header", since=words("date.day", date=START))
    assert first.message.text.splitlines()[:2] == [header, counts]
    assert "Joins out loud" in first.message.text and first.message.links
    assert "Maya" not in first.message.text  # the week's posters are not named

    clock.advance(timedelta(days=9))  # down over the next moment; back two days later
    await _tick_both(replicas)
    assert len(_digests(replicas)) == 2
    quiet = words("digest.counts", new=0, unanswered=0, outcomes=0)
    assert _digests(replicas)[-1].message.text.splitlines()[1] == quiet
    await _tick_both(replicas)
    assert len(_digests(replicas)) == 2


async def test_a_community_without_a_digest_day_gets_none(replicas: Replicas) -> None:
    await replicas.a.post(MAYA, title="Froze in the SQL screen", body="Blank.")
    replicas.a.clock.advance(timedelta(days=15))
    await _tick_both(replicas)
    assert _digests(replicas) == []
