"""The AsyncApp's listeners: acknowledge first, then hand the core an event.

Commands, buttons and shortcuts are acknowledged before anything slow (the member's
profile, the database, the Web API). A view submission waits up to VIEW_ANSWER_BUDGET_S
for the core, because form errors can only travel in the acknowledgement; past that the
modal closes and any later errors reach the member privately.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from adapters.slack import inbound
from adapters.slack.directory import Directory
from adapters.slack.form_openers import OPENER_PREFIX
from adapters.slack.outbox import SlackOutbox, ViewAnswer, Where
from bot.domain.model import Member
from bot.events import InboundEvent
from bot.intents import Message, Notice
from bot.runtime import Rebound
from bot.services.best import MARK, UNMARK
from bot.services.community_templates import SAVE_AS_TEMPLATE

COMMANDS = ("/setback", "/template")
MESSAGE_ACTIONS = (MARK, UNMARK, SAVE_AS_TEMPLATE)
CORE_IDS = re.compile(r"^rb:")
CORE_FORMS = re.compile(r"^rb:form:")
FORM_EXPIRED = "error.form_expired"
FORM_OPENERS = re.compile(f"^{re.escape(OPENER_PREFIX)}")
VIEW_ANSWER_BUDGET_S = 2.0

Body = dict[str, Any]
HomePublisher = Callable[[str, Member], Awaitable[None]]


class Listeners:
    def __init__(
        self,
        core: Rebound,
        outbox: SlackOutbox,
        directory: Directory,
        publish_home: HomePublisher | None = None,
        *,
        view_answer_budget_s: float = VIEW_ANSWER_BUDGET_S,
    ) -> None:
        self._core = core
        self._view_answer_budget_s = view_answer_budget_s
        self._outbox = outbox
        self._directory = directory
        self._publish_home = publish_home

    def register(self, app: AsyncApp) -> None:
        for command in COMMANDS:
            app.command(command)(self.on_command)
        app.event("message")(self.on_message)
        app.event("reaction_added")(self.on_reaction)
        app.event("reaction_removed")(self.on_reaction)
        app.event("app_home_opened")(self.on_home_opened)
        app.action(CORE_IDS)(self.on_button)
        app.action(FORM_OPENERS)(self.on_form_opener)
        for callback_id in MESSAGE_ACTIONS:
            app.shortcut(callback_id)(self.on_message_action)
        app.view(CORE_FORMS)(self.on_view_submission)

    async def _handle(self, event: InboundEvent, where: Where) -> None:
        await self._core.handle(event, self._outbox.at(where))

    async def _actor(self, body: Body) -> Member:
        user = body.get("user") or {}
        return await self._directory.member(
            str(user["id"]), str(user.get("username") or user.get("name") or "")
        )

    async def on_command(self, ack: AsyncAck, body: Body, context: AsyncBoltContext) -> None:
        await ack()
        actor = await self._directory.member(str(body["user_id"]), str(body.get("user_name", "")))
        event = inbound.command_event(_community(context), actor, body)
        where = Where(
            user_id=actor.user_id, channel_id=body.get("channel_id"), trigger_id=body["trigger_id"]
        )
        await self._handle(event, where)

    async def on_message(self, body: Body, event: Body, context: AsyncBoltContext) -> None:
        deletion = inbound.deletion_event(_community(context), str(body["event_id"]), event)
        if deletion is not None:
            await self._handle(deletion, Where(channel_id=event.get("channel")))
            return
        author = inbound.author_of(event)  # None for bots
        if author is None or author == context.bot_user_id:
            return
        actor = await self._directory.member(author)
        found = inbound.message_event(_community(context), str(body["event_id"]), actor, event)
        if found is not None:
            where = Where(
                user_id=author, channel_id=event.get("channel"), thread_ts=event.get("thread_ts")
            )
            await self._handle(found, where)

    async def on_reaction(self, body: Body, event: Body, context: AsyncBoltContext) -> None:
        if event.get("user") == context.bot_user_id:
            return  # the bot's own: bolt's self-event filter is off (see SlackAdapter)
        actor = await self._directory.member(str(event["user"]))
        found = inbound.reaction_event(_community(context), str(body["event_id"]), actor, event)
        if found is not None:
            channel = (event.get("item") or {}).get("channel")
            await self._handle(found, Where(user_id=actor.user_id, channel_id=channel))

    async def on_home_opened(self, event: Body, context: AsyncBoltContext) -> None:
        if event.get("tab") != "home" or self._publish_home is None:
            return
        actor = await self._directory.member(str(event["user"]))
        await self._publish_home(_community(context), actor)

    async def on_button(
        self, ack: AsyncAck, body: Body, action: Body, context: AsyncBoltContext
    ) -> None:
        await ack()
        actor = await self._actor(body)
        event = inbound.button_event(_community(context), actor, body, action)
        await self._handle(event, _where_pressed(actor, body))

    async def on_form_opener(
        self, ack: AsyncAck, body: Body, action: Body, context: AsyncBoltContext
    ) -> None:
        """A form that could not open in time, opened now with this click's trigger."""
        await ack()
        actor = await self._actor(body)
        outbox = self._outbox.at(_where_pressed(actor, body))
        if not await outbox.open_kept_form(str(action["action_id"]), actor.user_id):
            expired = self._core.say(_community(context), FORM_EXPIRED)
            await outbox.deliver(Notice(user_id=actor.user_id, message=Message(text=expired)))

    async def on_message_action(self, ack: AsyncAck, body: Body, context: AsyncBoltContext) -> None:
        await ack()
        actor = await self._actor(body)
        event = inbound.shortcut_event(_community(context), actor, body)
        where = Where(
            user_id=actor.user_id,
            channel_id=(body.get("channel") or {}).get("id"),
            thread_ts=inbound.action_thread(body),
            trigger_id=body.get("trigger_id"),
        )
        await self._handle(event, where)

    async def on_view_submission(
        self, ack: AsyncAck, body: Body, view: Body, context: AsyncBoltContext
    ) -> None:
        answer = ViewAnswer(
            block_ids=tuple(str(b["block_id"]) for b in view.get("blocks", []) if "block_id" in b)
        )

        async def submit() -> None:
            actor = await self._actor(body)
            event = inbound.view_event(_community(context), actor, body)
            where = Where(
                user_id=actor.user_id,
                channel_id=view.get("private_metadata") or None,
                view_answer=answer,
            )
            await self._handle(event, where)

        work = asyncio.ensure_future(submit())
        await asyncio.wait({work}, timeout=self._view_answer_budget_s)
        await ack(**answer.close())
        await work


def _community(context: AsyncBoltContext) -> str:
    team_id = context.team_id or context.enterprise_id
    if not team_id:
        raise ValueError("a Slack request without a team")
    return inbound.community_id(team_id)


def _where_pressed(actor: Member, body: Body) -> Where:
    """Where a button was pressed: its channel and thread, and the click's trigger."""
    return Where(
        user_id=actor.user_id,
        channel_id=inbound.action_channel(body),
        thread_ts=inbound.action_thread(body),
        trigger_id=body.get("trigger_id"),
    )
