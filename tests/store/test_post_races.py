"""Two replicas on one database, members acting on one post at the same instant.

Each replica is its own `Rebound` with its own engine; both deliver to one platform that
keeps every message's latest text and takes edits after a random network delay, so an
edit sent first may land last. Whatever the interleaving, the status message shows
exactly the best answers the database holds, an outcome is recorded and posted once,
and an author is thanked once per mark.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy import func, select

from bot.common.clock import ManualClock
from bot.contract.actions import Verb, action_id
from bot.contract.intents import (
    Button,
    DirectTo,
    EditMessage,
    Intent,
    Message,
    Notice,
    OpenForm,
    Send,
    StartThread,
    Thread,
)
from bot.contract.ports import Attempt, Delivered
from bot.domain.model import CommunitySettings, Member
from bot.engine.bootstrap import build_rebound
from bot.store.statements import OUTCOME, REPLY, SETBACK
from tests.support import (
    COMMUNITY,
    JO,
    MAYA,
    RUTH,
    SAM,
    START,
    Harness,
    RecordingOutbox,
    shared_content,
)

ROUNDS = 8
DEV = Member(user_id="U-dev", display_name="Dev")
NETWORK_DELAY_S = 0.02


@dataclass
class Platform(RecordingOutbox):
    """One chat platform both replicas deliver to: it keeps each message as last edited."""

    shown: dict[str, Message] = field(default_factory=dict)
    jitter: random.Random = field(default_factory=lambda: random.Random(19))

    async def deliver(self, intent: Intent, attempt: Attempt | None = None) -> Delivered | None:
        if isinstance(intent, EditMessage):
            await asyncio.sleep(self.jitter.uniform(0, NETWORK_DELAY_S))
            self.shown[intent.message_ref] = intent.message
        made = await super().deliver(intent, attempt)
        if made is not None and isinstance(intent, Send | StartThread):
            self.shown[made.message_ref] = intent.message
        return made

    def notices(self, member: Member, key: str, **params: object) -> int:
        """How many notices to `member` said `key` (with these params, if given)."""
        return sum(
            1
            for i in self.sent
            if isinstance(i, Notice) and i.user_id == member.user_id and _says(i, key, params)
        )

    def dms(self, member: Member, key: str, **params: object) -> int:
        return sum(
            1
            for i in self.sent
            if isinstance(i, Send)
            and i.target == DirectTo(user_id=member.user_id)
            and _says(i, key, params)
        )

    def in_thread(self, thread: str, key: str, **params: object) -> int:
        return sum(
            1
            for i in self.sent
            if isinstance(i, Send)
            and i.target == Thread(thread_ref=thread)
            and _says(i, key, params)
        )


def _says(intent: Notice | Send, key: str, params: dict[str, object]) -> bool:
    """Whether `intent`'s message came from `key`, with at least these params."""
    message = intent.message
    return message.key == key and all(message.params.get(k) == v for k, v in params.items())


@dataclass
class Replicas:
    a: Harness
    b: Harness
    platform: Platform

    async def best_in_store(self, thread: str) -> set[str]:
        query = (
            select(REPLY.c.message_ref)
            .join(SETBACK, SETBACK.c.id == REPLY.c.setback_id)
            .where(SETBACK.c.thread_ref == thread, REPLY.c.best_marked_at.is_not(None))
        )
        async with self.a.core.store.engine.connect() as db:
            return {str(ref) for ref in (await db.execute(query)).scalars()}

    def best_shown(self, thread: str) -> set[str]:
        return {link.message_ref for link in self.platform.shown[thread].links}

    async def outcomes_of(self, thread: str) -> int:
        query = (
            select(func.count())
            .select_from(OUTCOME.join(SETBACK, SETBACK.c.id == OUTCOME.c.setback_id))
            .where(SETBACK.c.thread_ref == thread)
        )
        async with self.a.core.store.engine.connect() as db:
            return int((await db.execute(query)).scalar_one())

    async def setback_id(self, thread: str) -> int:
        query = select(SETBACK.c.id).where(SETBACK.c.thread_ref == thread)
        async with self.a.core.store.engine.connect() as db:
            return int((await db.execute(query)).scalar_one())

    async def post_with_replies(self, n: int) -> tuple[str, list[str]]:
        thread = await self.a.post(MAYA, title=f"Round {n}")
        replies = [
            await self.a.reply(helper, thread, f"{helper.display_name} says try again ({n})")
            for helper in (JO, RUTH, DEV)
        ]
        return thread, replies


@pytest.fixture
async def replicas(database_url: str) -> AsyncIterator[Replicas]:
    clock = ManualClock(START)
    platform = Platform()
    cores = [
        await build_rebound(database_url, clock, content=shared_content(), worker=f"replica-{n}")
        for n in (1, 2)
    ]
    settings = CommunitySettings(helpers_channel="helpers")
    await cores[0].ensure_community(COMMUNITY, "console", settings)
    a, b = (Harness(core, clock, replica=name) for core, name in zip(cores, "ab", strict=True))
    a.outbox = b.outbox = platform
    try:
        yield Replicas(a, b, platform)
    finally:
        for core in cores:
            await core.close()


async def test_two_best_answers_marked_at_once_are_both_shown(replicas: Replicas) -> None:
    for n in range(ROUNDS):
        thread, (first, second, _) = await replicas.post_with_replies(n)

        await asyncio.gather(replicas.a.mark(MAYA, first), replicas.b.mark(MAYA, second))

        assert await replicas.best_in_store(thread) == {first, second}
        assert replicas.best_shown(thread) == {first, second}, f"round {n}"


async def test_an_unmark_racing_a_mark_leaves_the_status_as_stored(replicas: Replicas) -> None:
    for n in range(ROUNDS):
        thread, (first, second, third) = await replicas.post_with_replies(n)
        await replicas.a.mark(MAYA, first)
        await replicas.a.mark(MAYA, second)

        await asyncio.gather(
            replicas.b.mark(SAM, first, action="unmark_best"), replicas.a.mark(MAYA, third)
        )

        assert await replicas.best_in_store(thread) == {second, third}
        assert replicas.best_shown(thread) == {second, third}, f"round {n}"


async def test_one_reply_marked_at_once_by_poster_and_moderator(replicas: Replicas) -> None:
    for n in range(ROUNDS):
        thread, (first, _, _) = await replicas.post_with_replies(n)
        replicas.platform.clear()

        await asyncio.gather(replicas.a.mark(MAYA, first), replicas.b.mark(SAM, first))

        marked = sum(replicas.platform.notices(who, "best.marked") for who in (MAYA, SAM))
        already = sum(replicas.platform.notices(who, "best.already") for who in (MAYA, SAM))
        assert (marked, already) == (1, 1), f"round {n}"
        assert replicas.platform.dms(JO, "best.author_told", title=f"Round {n}") == 1
        assert replicas.best_shown(thread) == {first}


async def test_an_outcome_submitted_twice_at_once_is_shared_once(replicas: Replicas) -> None:
    for n in range(ROUNDS):
        thread, _ = await replicas.post_with_replies(n)
        setback_id = await replicas.setback_id(thread)
        worked = Button(label="It worked", action_id=action_id(Verb.OUTCOME, setback_id, "worked"))
        opened = await replicas.a.press(MAYA, worked)
        form_id = next(i.form.form_id for i in opened if isinstance(i, OpenForm))

        await asyncio.gather(
            replicas.a.submit(MAYA, form_id, result="worked"),
            replicas.b.submit(MAYA, form_id, result="worked"),
        )

        title = f"Round {n}"
        assert await replicas.outcomes_of(thread) == 1
        assert replicas.platform.in_thread(thread, "outcome.update.headline") == 1
        assert replicas.platform.notices(MAYA, "outcome.thanks", title=title) == 1
        assert replicas.platform.notices(MAYA, "outcome.already_shared", title=title) == 1
        for helper in (JO, RUTH, DEV):
            assert replicas.platform.dms(helper, "outcome.told", title=title) == 1, helper
        # The button is answered as such afterwards, and no form opens.
        again = await replicas.b.press(MAYA, worked)
        assert not [i for i in again if isinstance(i, OpenForm)]
        assert replicas.platform.notices(MAYA, "outcome.already_shared", title=title) == 2
