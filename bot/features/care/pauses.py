"""Posts paused by a crisis alert: their outcome asks and reminders wait for a moderator.
So do those of a poster who takes no direct messages: they wait in `/rebound mine`.

The scheduler asks `held` before firing a batch; a held row is looked at again an hour
later (`RECHECK`), so a resume takes effect within the hour, with nothing to reschedule.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from bot.common.context import Context
from bot.domain.model import FollowUp, FollowUpKind

PAUSABLE = frozenset({FollowUpKind.OUTCOME_ASK, FollowUpKind.BEST_REMINDER})
RECHECK = timedelta(hours=1)


async def held(ctx: Context, follow_ups: Sequence[FollowUp]) -> set[int]:
    """Ids of the follow-ups in `follow_ups` that wait, their post being paused."""
    asking = [f for f in follow_ups if f.kind in PAUSABLE]
    if not asking:
        return set()
    waiting = await ctx.repo.care.held(ctx.community_id, {f.setback_id for f in asking})
    return {f.id for f in asking if f.setback_id in waiting}
