"""The AsyncApp's listeners: decide, acknowledge, then deliver.

Bolt runs with `process_before_response=True`, so the acknowledgement (the HTTP response,
or the Socket Mode envelope ack) goes out when a listener returns. Each listener first
stores the event's decision and its outbox rows (`Rebound.decide`), then returns, and the
delivery (`Rebound.send`) runs after the ack (`InFlight.after_ack`): Slack never redelivers
what it saw acknowledged, so nothing is acknowledged before it is stored. An event whose
decision fails is not acknowledged, and Slack sends it again.

Messages and reactions outside the support channel and DMs are dropped before the
member's profile is looked up, and so are redeliveries, whose decision needs no profile.
Bolt's self-event filter is off (it would drop a moderator's deletion of the bot's own
root): messages by bots, the bot included, and the bot's reactions are dropped here, while
deletions reach the core whoever wrote the message.
A view submission waits up to VIEW_ANSWER_BUDGET_S for the core, because form errors can
only travel in the acknowledgement; past that the modal closes and any later errors reach
the member privately.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from adapters.lifecycle import InFlight
from adapters.slack import inbound
from adapters.slack.directory import Directory
from adapters.slack.form_metadata import FormMetadata
from adapters.slack.form_openers import OPENER_PREFIX
from adapters.slack.outbox import SlackOutbox, ViewAnswer, Where
from bot.delivery import Pending
from bot.domain.model import Member
from bot.events import InboundEvent
from bot.failures import log_failure
from bot.features import routes as features
from bot.intents import Message, Notice, OpenForm, RejectForm
from bot.runtime import Rebound
from bot.services.best import MARK, UNMARK
from bot.services.community_templates import SAVE_AS_TEMPLATE

log = logging.getLogger(__name__)

COMMANDS = ("/setback", "/template", f"/{features.REBOUND_COMMAND}")
MESSAGE_ACTIONS = (MARK, UNMARK, SAVE_AS_TEMPLATE, *features.MESSAGE_ACTIONS)
CORE_IDS = re.compile(r"^rb:")
CORE_FORMS = re.compile(r"^rb:form:")
FORM_EXPIRED = "error.form_expired"
UNEXPECTED = "error.unexpected"
FORM_OPENERS = re.compile(f"^{re.escape(OPENER_PREFIX)}")
VIEW_ANSWER_BUDGET_S = 2.0
# Intents a view submission's acknowledgement itself can carry.
VIEW_ANSWERS = (RejectForm, OpenForm)

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
        support_channel: str,
        in_flight: InFlight,
        form_metadata: FormMetadata,
        view_answer_budget_s: float = VIEW_ANSWER_BUDGET_S,
    ) -> None:
        self._core = core
        self._view_answer_budget_s = view_answer_budget_s
        self._outbox = outbox
        self._directory = directory
        self._publish_home = publish_home
        self._support_channel = support_channel
        self._in_flight = in_flight
        self._form_metadata = form_metadata

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

    # --- deciding now, delivering after the ack -------------------------------------------

    async def _decide(
        self, event: InboundEvent, outbox: SlackOutbox, *, slack_retries: bool
    ) -> list[Pending]:
        """The event's decision, stored. When it fails, an Events API delivery raises (it
        is not acknowledged, so Slack sends it again); a member's gesture, which Slack never
        repeats, gets a private "try again"."""
        try:
            return await self._core.decide(event, outbox.capabilities)
        except Exception as failure:
            if slack_retries:
                raise
            log_failure(log, f"deciding {type(event).__name__} {event.event_id}", failure)
            sorry = self._core.say(event.community_id, UNEXPECTED)
            notice = Notice(user_id=event.actor.user_id, message=Message(text=sorry))
            return [Pending(notice, f"event:{event.event_id}")]

    def _deliver_after_ack(
        self, community: str, pending: Sequence[Pending], outbox: SlackOutbox
    ) -> None:
        if pending:
            self._in_flight.after_ack(
                lambda: self._core.send(community, pending, outbox), "delivering after an ack"
            )

    async def _take(self, event: InboundEvent, where: Where, *, slack_retries: bool) -> None:
        outbox = self._outbox.at(where)
        pending = await self._decide(event, outbox, slack_retries=slack_retries)
        self._deliver_after_ack(event.community_id, pending, outbox)

    async def _actor(self, body: Body) -> Member:
        user = body.get("user") or {}
        return await self._directory.member(
            str(user["id"]), str(user.get("username") or user.get("name") or "")
        )

    async def _event_actor(self, community: str, event_id: str, user_id: str) -> Member:
        """The member behind an Events API delivery. Before a profile look-up goes to
        Slack, a redelivery is recognised and gets only the member's id: its decision
        reuses what was stored."""
        if not self._directory.cached(user_id) and await self._core.seen(community, event_id):
            return Member(user_id=user_id, display_name="")
        return await self._directory.member(user_id)

    def _relevant_channel(self, channel: object, channel_type: object = None) -> bool:
        """The support channel (posts and their threads) and DMs; Rebound reads no other."""
        return channel == self._support_channel or channel_type == "im"

    # --- Events API -----------------------------------------------------------------------

    async def on_message(self, body: Body, event: Body, context: AsyncBoltContext) -> None:
        if not self._relevant_channel(event.get("channel"), event.get("channel_type")):
            return
        community, event_id = _community(context), str(body["event_id"])
        deletion = inbound.deletion_event(community, event_id, event)
        if deletion is not None:  # whoever wrote the message: the bot's own root too
            await self._take(deletion, Where(channel_id=event.get("channel")), slack_retries=True)
            return
        author = inbound.author_of(event)  # None for bots
        if author is None or author == context.bot_user_id:
            return  # bolt's self-event filter is off (see SlackAdapter): ours is here
        actor = await self._event_actor(community, event_id, author)
        found = inbound.message_event(community, event_id, actor, event)
        if found is not None:
            where = Where(
                user_id=author, channel_id=event.get("channel"), thread_ts=event.get("thread_ts")
            )
            await self._take(found, where, slack_retries=True)

    async def on_reaction(self, body: Body, event: Body, context: AsyncBoltContext) -> None:
        channel = (event.get("item") or {}).get("channel")
        if not self._relevant_channel(channel) or event.get("user") == context.bot_user_id:
            return  # elsewhere, or the bot's own (bolt's self-event filter is off)
        community, event_id = _community(context), str(body["event_id"])
        actor = await self._event_actor(community, event_id, str(event["user"]))
        found = inbound.reaction_event(community, event_id, actor, event)
        if found is not None:
            where = Where(user_id=actor.user_id, channel_id=channel)
            await self._take(found, where, slack_retries=True)

    async def on_home_opened(self, event: Body, context: AsyncBoltContext) -> None:
        publish = self._publish_home
        if event.get("tab") != "home" or publish is None:
            return
        community, user_id = _community(context), str(event["user"])

        async def publish_home() -> None:
            await publish(community, await self._directory.member(user_id))

        self._in_flight.after_ack(publish_home, "publishing the App Home")

    # --- members' gestures ----------------------------------------------------------------

    async def on_command(self, ack: AsyncAck, body: Body, context: AsyncBoltContext) -> None:
        actor = await self._directory.member(str(body["user_id"]), str(body.get("user_name", "")))
        event = inbound.command_event(_community(context), actor, body)
        where = Where(
            user_id=actor.user_id, channel_id=body.get("channel_id"), trigger_id=body["trigger_id"]
        )
        await self._take(event, where, slack_retries=False)
        await ack()

    async def on_button(
        self, ack: AsyncAck, body: Body, action: Body, context: AsyncBoltContext
    ) -> None:
        actor = await self._actor(body)
        event = inbound.button_event(_community(context), actor, body, action)
        await self._take(event, _where_pressed(actor, body), slack_retries=False)
        await ack()

    async def on_form_opener(
        self, ack: AsyncAck, body: Body, action: Body, context: AsyncBoltContext
    ) -> None:
        """A form that could not open in time, opened now with this click's trigger."""
        await ack()
        actor = await self._actor(body)
        outbox = self._outbox.at(_where_pressed(actor, body))
        community, action_id = _community(context), str(action["action_id"])

        async def open_form() -> None:
            if not await outbox.open_kept_form(action_id, actor.user_id):
                expired = self._core.say(community, FORM_EXPIRED)
                await outbox.deliver(Notice(user_id=actor.user_id, message=Message(text=expired)))

        self._in_flight.after_ack(open_form, "opening a kept form")

    async def on_message_action(self, ack: AsyncAck, body: Body, context: AsyncBoltContext) -> None:
        actor = await self._actor(body)
        event = inbound.shortcut_event(_community(context), actor, body)
        where = Where(
            user_id=actor.user_id,
            channel_id=(body.get("channel") or {}).get("id"),
            thread_ts=inbound.action_thread(body),
            trigger_id=body.get("trigger_id"),
        )
        await self._take(event, where, slack_retries=False)
        await ack()

    async def on_view_submission(
        self, ack: AsyncAck, body: Body, view: Body, context: AsyncBoltContext
    ) -> None:
        community = _community(context)
        channel = self._form_metadata.open(str(view.get("private_metadata") or ""))
        if channel is None:
            await self._refuse_tampered(ack, community, body)
            return
        answer = ViewAnswer(
            block_ids=tuple(str(b["block_id"]) for b in view.get("blocks", []) if "block_id" in b)
        )
        outbox: SlackOutbox | None = None

        async def answer_form() -> list[Pending]:
            """Decide, then put what answers the form (errors, the next form) in the ack."""
            nonlocal outbox
            actor = await self._actor(body)
            event = inbound.view_event(community, actor, body)
            outbox = self._outbox.at(
                Where(user_id=actor.user_id, channel_id=channel or None, view_answer=answer)
            )
            pending = await self._decide(event, outbox, slack_retries=False)
            answers = [p for p in pending if isinstance(p.intent, VIEW_ANSWERS)]
            await self._core.send(community, answers, outbox)
            return [p for p in pending if not isinstance(p.intent, VIEW_ANSWERS)]

        work = asyncio.ensure_future(answer_form())
        await asyncio.wait({work}, timeout=self._view_answer_budget_s)
        await ack(**answer.close())

        async def the_rest() -> None:
            rest = await work
            if rest and outbox is not None:
                await self._core.send(community, rest, outbox)

        self._in_flight.after_ack(the_rest, "delivering a form's outcome")

    async def _refuse_tampered(self, ack: AsyncAck, community: str, body: Body) -> None:
        """A submission whose metadata Rebound did not sign: closed, nothing changed, and
        the member told privately."""
        log.warning("view submission refused: its private_metadata is not Rebound's")
        await ack()
        user_id = str((body.get("user") or {}).get("id", ""))
        expired = Notice(
            user_id=user_id, message=Message(text=self._core.say(community, FORM_EXPIRED))
        )
        outbox = self._outbox.at(Where(user_id=user_id))
        self._in_flight.after_ack(lambda: outbox.deliver(expired), "refusing a form")


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
