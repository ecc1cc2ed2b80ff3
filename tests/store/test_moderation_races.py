"""Two moderators pressing at once, through two replicas on one database: each action
takes the post first, so one of them acts and the other is told what already happened."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from bot.contract.intents import CloseThread, Notice
from bot.domain.model import Member
from bot.store.audit_repo import AUDIT
from bot.store.library_repo import FEATURED
from tests.store.test_post_races import Replicas
from tests.support import SAM, form_in

ROUNDS = 6
ALEX = Member(user_id="U-alex", display_name="Alex", is_moderator=True)


def _keys(replicas: Replicas) -> list[str]:
    return sorted(i.message.key or "" for i in replicas.platform.sent if isinstance(i, Notice))


async def _count(replicas: Replicas, statement: object) -> int:
    async with replicas.a.core.store.engine.connect() as db:
        return int((await db.execute(statement)).scalar_one())  # type: ignore[call-overload]


async def test_two_moderators_lock_one_post_at_once(replicas: Replicas) -> None:
    for n in range(ROUNDS):
        thread, _ = await replicas.post_with_replies(n)
        post = await replicas.setback_id(thread)
        replicas.platform.clear()

        await asyncio.gather(
            replicas.a.command(SAM, "rebound", f"lock {post} first"),
            replicas.b.command(ALEX, "rebound", f"lock {post} second"),
        )

        assert _keys(replicas) == ["moderation.already_locked", "moderation.locked"], n
        assert replicas.platform.sent.count(CloseThread(thread_ref=thread)) == 1
        locks = select(func.count()).where(AUDIT.c.setback_id == post, AUDIT.c.action == "lock")
        assert await _count(replicas, locks) == 1


async def test_two_moderators_feature_one_reply_at_once(replicas: Replicas) -> None:
    for n in range(ROUNDS):
        _, (reply, _, _) = await replicas.post_with_replies(n)
        form_a = form_in(await replicas.a.mark(SAM, reply, "feature_answer"))
        form_b = form_in(await replicas.b.mark(ALEX, reply, "feature_answer"))
        replicas.platform.clear()

        await asyncio.gather(
            replicas.a.submit(SAM, form_a.form_id, topic="Ghosting", summary=f"Sam {n}"),
            replicas.b.submit(ALEX, form_b.form_id, topic="Negotiating", summary=f"Alex {n}"),
        )

        assert _keys(replicas) == ["library.feature_edited", "library.featured"], n
        async with replicas.a.core.store.engine.connect() as db:
            rows = (await db.execute(select(FEATURED.c.summary, FEATURED.c.id))).all()
            last = (
                await db.execute(
                    select(AUDIT.c.reason)
                    .where(AUDIT.c.action == "edit_feature")
                    .order_by(AUDIT.c.id.desc())
                    .limit(1)
                )
            ).scalar_one()
        assert len(rows) == n + 1  # one row per reply, whoever won
        newest = max(rows, key=lambda row: row.id)
        assert newest.summary == last  # the row holds what the second writer saved
