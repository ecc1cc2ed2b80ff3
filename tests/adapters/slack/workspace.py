"""A test Slack workspace: the real adapter and core, a fake Web API, signed requests.

"Member X posts Y in thread Z" becomes a signed Events API body dispatched through the
real AsyncApp; what the bot did is read back from the fake's recorded calls.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from slack_bolt.response import BoltResponse
from sqlalchemy import text

from adapters.slack.app import SlackAdapter
from adapters.slack.config import SlackSettings
from adapters.slack.pacing import Pacer
from adapters.slack.refs import MessageRef
from bot.common.clock import ManualClock
from bot.engine.bootstrap import build_rebound
from tests.adapters.slack.fake_slack import FakeSlack, member
from tests.adapters.slack.slack_requests import (
    FORM,
    JSON,
    SIGNING_SECRET,
    SlackRequests,
    bolt_request,
)
from tests.support import START, shared_content

SUPPORT = "C0SUPPORT"
HELPERS = "C0HELPERS"
MODERATORS = "S0MODS"

DRAIN_S = 30.0
TABLES = ("setback", "reply", "processed_event", "outbound", "follow_up", "appreciation")

PEOPLE = {
    "U0LENA": "Lena",
    "U0TOMAS": "Tomás",
    "U0PRIYA": "Priya",
    "U0DEV": "Dev",
    "U0ADE": "Ade",
    "U0SAM": "Sam",
}


def settings(api_url: str, **overrides: Any) -> SlackSettings:
    values: dict[str, Any] = {
        "bot_token": "xoxb-test-token",
        "signing_secret": SIGNING_SECRET,
        "api_url": api_url,
        "support_channel": SUPPORT,
        "helpers_channel": HELPERS,
        "moderators_group": MODERATORS,
        "channel_interval_s": 0.0,
        **overrides,
    }
    return SlackSettings(**values)


class Workspace:
    def __init__(self, adapter: SlackAdapter, fake: FakeSlack, clock: ManualClock) -> None:
        self.adapter = adapter
        self.fake = fake
        self.clock = clock
        self.requests = SlackRequests()

    def name(self, user: str) -> str:
        return self.fake.users[user]["real_name"] if user in self.fake.users else user

    async def dispatch(
        self, body: str, content_type: str, *, settle: bool = True, **headers: str
    ) -> BoltResponse:
        """Dispatch as the HTTP endpoint does (deliveries after the ack), then wait for
        those deliveries (unless not `settle`: every delivery in flight is waited for, a
        held one too), so tests read what the bot did once a request is answered."""
        signed = {**self.requests.headers(body, content_type), **headers}
        in_flight = self.adapter.in_flight
        with in_flight.holding():
            response = await self.adapter.app.async_dispatch(bolt_request(body, signed))
        if settle:
            assert await in_flight.drain(DRAIN_S), "deliveries still running"
        return response

    async def event(
        self, event: dict[str, Any], *, event_id: str | None = None, settle: bool = True
    ) -> BoltResponse:
        return await self.dispatch(
            self.requests.event(event, event_id=event_id), JSON, settle=settle
        )

    async def interact(self, payload: dict[str, Any]) -> BoltResponse:
        return await self.dispatch(self.requests.interaction(payload), FORM)

    # --- what members do ---------------------------------------------------------------------

    async def command(
        self, user: str, command: str = "/setback", text: str = "", channel: str = SUPPORT
    ) -> BoltResponse:
        body = self.requests.command(user, self.name(user), command, channel, text)
        return await self.dispatch(body, FORM)

    def last_modal(self) -> dict[str, Any]:
        view: dict[str, Any] = self.fake.of("views.open")[-1].params["view"]
        return view

    async def submit(self, user: str, view: dict[str, Any], **values: Any) -> BoltResponse:
        return await self.interact(
            self.requests.view_submission(user, self.name(user), view, values)
        )

    async def share(self, user: str, **values: Any) -> str:
        """Post a setback through /setback and its modal; the thread ref of its root.

        The modal and the post are delivered after the ack (`dispatch` drains them; the
        waits also hold for a test that dispatches otherwise).
        """
        opened, posted = len(self.fake.of("views.open")), len(self.fake.posts(SUPPORT))
        await self.command(user)
        await self.fake.wait_for(lambda fake: len(fake.of("views.open")) > opened)
        fields = {"title": "Froze in the screening call", "body": "It went badly.", **values}
        response = await self.submit(user, self.last_modal(), **fields)
        assert response.status == 200 and "errors" not in response.body, response.body
        await self.fake.wait_for(lambda fake: len(fake.posts(SUPPORT)) > posted)
        return self.fake.posts(SUPPORT)[-1].ref

    async def say(
        self,
        user: str,
        text: str,
        *,
        thread: str | None = None,
        channel: str = SUPPORT,
        settle: bool = True,
    ) -> str:
        """A member's message (in a thread when `thread` is a thread ref); its ref."""
        thread_ts = MessageRef.parse(thread).ts if thread else None
        ts = self.fake.hold_message(channel, user, text, thread_ts)  # Slack gives the ts
        message = self.requests.message(user, text, channel, ts=ts, thread_ts=thread_ts)
        response = await self.event(message, settle=settle)
        assert response.status == 200, response.status  # acknowledged: its decision stored
        return str(MessageRef(channel, ts))

    async def dm(self, user: str, text: str) -> None:
        ts = self.requests.next_ts()
        await self.event(self.requests.message(user, text, f"D{user}", ts=ts, channel_type="im"))

    async def react(self, user: str, ref: str, emoji: str, *, added: bool = True) -> None:
        target = MessageRef.parse(ref)
        reaction = self.requests.reaction(user, emoji, target.channel, target.ts, added=added)
        await self.event(reaction)

    async def press(self, user: str, action_id: str, where: str) -> BoltResponse:
        """Press the button `action_id` on the message `where` (a message ref)."""
        target = MessageRef.parse(where)
        payload = self.requests.button(user, self.name(user), action_id, target.channel, target.ts)
        return await self.interact(payload)

    async def shortcut(self, user: str, callback_id: str, ref: str) -> BoltResponse:
        target = MessageRef.parse(ref)
        payload = self.requests.shortcut(
            user, self.name(user), callback_id, target.channel, target.ts
        )
        return await self.interact(payload)

    async def row_counts(self) -> dict[str, int]:
        """Rows per table that members' actions change."""
        async with self.adapter.core.store.engine.connect() as db:
            return {
                table: int((await db.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())
                for table in TABLES
            }

    async def wait(self, delta: timedelta) -> int:
        """Let time pass and tick until the core has nothing left to send."""
        self.clock.advance(delta)
        sent = 0
        while (
            n := await self.adapter.core.tick(self.adapter.outbox_for, frozenset({"slack"}))
        ) > 0:
            sent += n
        return sent


@asynccontextmanager
async def workspace(
    database_url: str,
    *,
    profile_budget_s: float = 1.0,
    view_answer_budget_s: float = 2.0,
    fake: FakeSlack | None = None,
    **overrides: Any,
) -> AsyncIterator[Workspace]:
    """A workspace on a new fake Slack, or on `fake` (which then outlives it: a restart)."""
    own_fake = fake is None
    if fake is None:
        fake = new_fake()
        await fake.start()
    clock = ManualClock(START)
    core = await build_rebound(database_url, clock, content=shared_content(), worker="slack-test")
    config = settings(fake.base_url, **overrides)
    adapter = SlackAdapter(
        config,
        core,
        profile_budget_s=profile_budget_s,
        pacer=Pacer(config.channel_interval_s, config.workspace_rate_per_s),
        view_answer_budget_s=view_answer_budget_s,
    )
    try:
        await adapter.start()
        yield Workspace(adapter, fake, clock)
    finally:
        await adapter.close()
        await core.close()
        if own_fake:
            await fake.stop()


def new_fake() -> FakeSlack:
    return FakeSlack(
        users={uid: member(uid, name) for uid, name in PEOPLE.items()}, moderators=("U0SAM",)
    )
