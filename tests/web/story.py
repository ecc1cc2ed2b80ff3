"""The communities the web page tests look at, filled through the real core as members
would (posts, replies, best marks, outcomes), plus a crisis pause.

Slack workspace T-ONE holds the canary: an anonymous poster whose name and id must never
appear on any page. Workspace T-TWO and Discord server 900100 are other communities: their
moderators see only their own.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import timedelta

from bot.api import (
    CommandInvoked,
    FormSubmitted,
    ManualClock,
    Member,
    MessageActionInvoked,
    MessagePosted,
    Rebound,
    StartThread,
)
from bot.contract.actions import FormKind, form_id
from bot.domain.model import CommunitySettings
from bot.store.care_repo import CareKind
from tests.support import RecordingOutbox

SLACK_ONE = "slack:T-ONE"
SLACK_TWO = "slack:T-TWO"
DISCORD_ONE = "discord:900100"
CANARY_NAME = "Quillon Marchbanks"
CANARY_ID = "U-CANARY-93"
CANARY = Member(user_id=CANARY_ID, display_name=CANARY_NAME)
HELPER = Member(user_id="U-HELP", display_name="Hal Helper")
NAMED = Member(user_id="U-NAMED", display_name="Nora Named")
STRANGER = Member(user_id="U-TWO-POSTER", display_name="Tess Two")
OTHER_TITLE = "Secret of workspace two"


@dataclass
class Seeded:
    """Ids the tests check pages against."""

    posts: dict[str, int] = field(default_factory=dict)
    replies: dict[str, int] = field(default_factory=dict)


class Story:
    def __init__(self, core: Rebound, clock: ManualClock) -> None:
        self.core = core
        self.clock = clock
        self.outbox = RecordingOutbox()
        self._ids = itertools.count(1)
        self.seeded = Seeded()

    def _event_id(self) -> str:
        return f"story-{next(self._ids)}"

    async def post(
        self, community: str, actor: Member, title: str, *, anonymous: bool, **values: str
    ) -> tuple[int, str]:
        await self.core.handle(
            CommandInvoked(
                community_id=community, event_id=self._event_id(), actor=actor, command="setback"
            ),
            self.outbox,
        )
        fields = {"title": title, "body": "What happened, in a few words.", **values}
        if anonymous:
            fields["anonymous"] = "yes"
        await self.core.handle(
            FormSubmitted(
                community_id=community,
                event_id=self._event_id(),
                actor=actor,
                form_id=form_id(FormKind.SETBACK),
                values=fields,
            ),
            self.outbox,
        )
        start = next(i for i in self.outbox.sent[::-1] if isinstance(i, StartThread))
        thread = self.outbox.ref_of(start)
        async with self.core.store.transaction() as repo:
            post = await repo.post_by_thread(community, thread)
        assert post is not None
        self.seeded.posts[title] = post.id
        return post.id, thread

    async def reply(self, community: str, actor: Member, thread: str, text: str) -> tuple[int, str]:
        ref = f"msg-{next(self._ids)}"
        await self.core.handle(
            MessagePosted(
                community_id=community,
                event_id=self._event_id(),
                actor=actor,
                channel_id="support",
                message_ref=ref,
                text=text,
                thread_ref=thread,
            ),
            self.outbox,
        )
        async with self.core.store.transaction() as repo:
            reply = await repo.reply_by_ref(community, ref)
        assert reply is not None
        self.seeded.replies[text] = reply.id
        return reply.id, ref

    async def mark_best(self, community: str, actor: Member, message_ref: str) -> None:
        await self.core.handle(
            MessageActionInvoked(
                community_id=community,
                event_id=self._event_id(),
                actor=actor,
                action="mark_best",
                message_ref=message_ref,
            ),
            self.outbox,
        )

    async def outcome(
        self, community: str, actor: Member, post_id: int, result: str, acted_on: list[int]
    ) -> None:
        await self.core.handle(
            FormSubmitted(
                community_id=community,
                event_id=self._event_id(),
                actor=actor,
                form_id=form_id(FormKind.OUTCOME, post_id),
                values={"result": result, "acted_on": [str(i) for i in acted_on]},
            ),
            self.outbox,
        )

    async def pause(self, community: str, post_id: int) -> None:
        now = self.clock.now()
        async with self.core.store.transaction() as repo:
            event = await repo.care.add_event(community, post_id, CareKind.ALERT, None, now=now)
            await repo.care.pause(community, post_id, event, now)

    async def tell(self) -> Seeded:
        places = ((SLACK_ONE, "slack"), (SLACK_TWO, "slack"), (DISCORD_ONE, "discord"))
        for community, platform in places:
            await self.core.ensure_community(community, platform, CommunitySettings())
        # The canary's anonymous post: a helper answers in two hours, it works.
        froze, thread = await self.post(
            SLACK_ONE, CANARY, "Froze in the panel", anonymous=True, stage="panel", kind="rejected"
        )
        self.clock.advance(timedelta(hours=2))
        best, best_ref = await self.reply(
            SLACK_ONE, HELPER, thread, "Ask them for feedback within a week."
        )
        await self.mark_best(SLACK_ONE, CANARY, best_ref)
        await self.outcome(SLACK_ONE, CANARY, froze, "worked", [best])
        # A named post nobody has answered.
        await self.post(
            SLACK_ONE,
            NAMED,
            "Ghosted after the final round",
            anonymous=False,
            stage="final_round",
            kind="ghosted",
        )
        # A named post answered the next day; it partly worked.
        screen, thread = await self.post(
            SLACK_ONE,
            NAMED,
            "The recruiter screen went badly",
            anonymous=False,
            stage="recruiter_screen",
            kind="went_badly",
        )
        self.clock.advance(timedelta(hours=30))
        tip, _ = await self.reply(SLACK_ONE, HELPER, thread, "Write down the questions you got.")
        await self.outcome(SLACK_ONE, NAMED, screen, "partly", [tip])
        # The canary again: follow-ups paused after a crisis alert.
        low, _ = await self.post(
            SLACK_ONE, CANARY, "Feeling low after the offer fell through", anonymous=True
        )
        await self.pause(SLACK_ONE, low)
        # Another workspace, with a best answer of its own.
        _, other = await self.post(SLACK_TWO, STRANGER, OTHER_TITLE, anonymous=False)
        _, other_ref = await self.reply(SLACK_TWO, HELPER, other, "Workspace two's own advice.")
        await self.mark_best(SLACK_TWO, STRANGER, other_ref)
        await self.post(DISCORD_ONE, STRANGER, "A Discord setback", anonymous=False)
        return self.seeded
