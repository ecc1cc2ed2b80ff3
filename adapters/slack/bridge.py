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
from collections.abc import Sequence
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from adapters.lifecycle import InFlight
from adapters.slack import inbound
from adapters.slack.form_metadata import FormMetadata
from adapters.slack.outbox import SlackOutbox, ViewAnswer, Where, route_of
from adapters.slack.setup_form import not_set_up_text, sayer
from adapters.slack.workspaces import Workspace, WorkspaceSource, community_of_request
from bot.api import (
    LIBRARY_MESSAGE_ACTIONS,
    MARK,
    REBOUND_COMMAND,
    SAVE_AS_TEMPLATE,
    UNMARK,
    InboundEvent,
    Member,
    Message,
    Notice,
    OpenForm,
    Pending,
    Rebound,
    RejectForm,
    log_failure,
)

log = logging.getLogger(__name__)

HOME_OPENED = "app_home_opened"
COMMANDS = ("/setback", "/template", f"/{REBOUND_COMMAND}")
MESSAGE_ACTIONS = (MARK, UNMARK, SAVE_AS_TEMPLATE, *LIBRARY_MESSAGE_ACTIONS)
CORE_IDS = re.compile(r"^rb:")
CORE_FORMS = re.compile(r"^rb:form:")
FORM_EXPIRED = "error.form_expired"
UNEXPECTED = "error.unexpected"
VIEW_ANSWER_BUDGET_S = 2.0
# Intents a view submission's acknowledgement itself can carry.
VIEW_ANSWERS = (RejectForm, OpenForm)

Body = dict[str, Any]


class SlackBridge:
    def __init__(
        self,
        core: Rebound,
        workspaces: WorkspaceSource,
        *,
        in_flight: InFlight,
        form_metadata: FormMetadata,
        view_answer_budget_s: float = VIEW_ANSWER_BUDGET_S,
    ) -> None:
        self._core = core
        self._view_answer_budget_s = view_answer_budget_s
        self._workspaces = workspaces
        self._in_flight = in_flight
        self._form_metadata = form_metadata

    def register(self, app: AsyncApp, *, taken: tuple[str, ...] = ()) -> None:
        """Listen on `app`; commands and events in `taken` are another handler's (which
        hands the rest of a command back to `on_command`).

        Bolt tries the listeners in this order, each match building its arguments, so the
        most frequent requests come first: messages (every one in the support channel and
        in private), then the commands."""
        app.event("message")(self.on_message)
        for command in COMMANDS:
            if command not in taken:
                app.command(command)(self.on_command)
        app.event("reaction_added")(self.on_reaction)
        app.event("reaction_removed")(self.on_reaction)
        if HOME_OPENED not in taken:
            app.event(HOME_OPENED)(self.on_home_opened)
        app.action(CORE_IDS)(self.on_button)
        for callback_id in MESSAGE_ACTIONS:
            app.shortcut(callback_id)(self.on_message_action)
        app.view(CORE_FORMS)(self.on_view_submission)

    # --- deciding now, delivering after the ack -------------------------------------------

    async def _decide(self, event: InboundEvent, outbox: SlackOutbox) -> list[Pending]:
        """A gesture's decision, stored. When it fails the member, whose gesture Slack never
        repeats, gets a private "try again"."""
        try:
            return await self._core.decide(event, outbox.capabilities)
        except Exception as failure:
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

    async def _workspace(self, context: AsyncBoltContext) -> Workspace | None:
        """The workspace a request came from; None where Rebound is no longer installed
        (a request still in flight from before an uninstall)."""
        return await self._workspaces.at(_community(context))

    async def _take(self, ws: Workspace, event: InboundEvent, where: Where) -> None:
        """A member's gesture: decided before the ack (which may carry the answer)."""
        outbox = ws.outbox.at(where)
        pending = await self._decide(event, outbox)
        self._deliver_after_ack(event.community_id, pending, outbox)

    async def _accept(self, ws: Workspace, event: InboundEvent, where: Where) -> None:
        """An Events API delivery: stored before the listener returns (Bolt acknowledges
        then), decided and delivered after the ack. When storing fails this raises: not
        acknowledged, the event comes again. When deciding fails the stored event waits
        for a replay (`SlackAdapter.replay_accepted`)."""
        accepted = await self._core.accept(event, inbound.PLATFORM, route_of(where))
        if accepted is None:
            return  # a redelivery of an event still waiting for its decision
        outbox = ws.outbox.at(where)

        async def decide_and_deliver() -> None:
            pending = await self._core.decide_accepted(accepted, outbox.capabilities)
            await self._core.send(accepted.community_id, pending, outbox)

        self._in_flight.after_ack(decide_and_deliver, "deciding after an ack")

    async def _actor(self, ws: Workspace, body: Body) -> Member:
        user = body.get("user") or {}
        return await ws.directory.member(
            str(user["id"]), str(user.get("username") or user.get("name") or "")
        )

    async def _event_actor(
        self, ws: Workspace, community: str, event_id: str, user_id: str
    ) -> Member:
        """The member behind an Events API delivery. Before a profile look-up goes to
        Slack, a redelivery is recognised and gets only the member's id: its decision
        reuses what was stored."""
        if not ws.directory.cached(user_id) and await self._core.seen(community, event_id):
            return Member(user_id=user_id, display_name="")
        return await ws.directory.member(user_id)

    # --- Events API -----------------------------------------------------------------------

    async def on_message(self, body: Body, event: Body, context: AsyncBoltContext) -> None:
        ws = await self._workspace(context)
        if ws is None or not _relevant(ws, event.get("channel"), event.get("channel_type")):
            return
        community, event_id = _community(context), str(body["event_id"])
        deletion = inbound.deletion_event(community, event_id, event)
        if deletion is not None:  # whoever wrote the message: the bot's own root too
            await self._accept(ws, deletion, Where(channel_id=event.get("channel")))
            return
        author = inbound.author_of(event)  # None for bots
        if author is None or author == context.bot_user_id:
            return  # bolt's self-event filter is off (see SlackAdapter): ours is here
        actor = await self._event_actor(ws, community, event_id, author)
        found = inbound.message_event(community, event_id, actor, event)
        if found is not None:
            where = Where(
                user_id=author, channel_id=event.get("channel"), thread_ts=event.get("thread_ts")
            )
            await self._accept(ws, found, where)

    async def on_reaction(self, body: Body, event: Body, context: AsyncBoltContext) -> None:
        channel = (event.get("item") or {}).get("channel")
        ws = await self._workspace(context)
        if ws is None or not _relevant(ws, channel) or event.get("user") == context.bot_user_id:
            return  # elsewhere, or the bot's own (bolt's self-event filter is off)
        community, event_id = _community(context), str(body["event_id"])
        actor = await self._event_actor(ws, community, event_id, str(event["user"]))
        found = inbound.reaction_event(community, event_id, actor, event)
        if found is not None:
            where = Where(user_id=actor.user_id, channel_id=channel)
            await self._accept(ws, found, where)

    async def on_home_opened(self, event: Body, context: AsyncBoltContext) -> None:
        ws = await self._workspace(context)
        if event.get("tab") != "home" or ws is None:
            return
        community, user_id = _community(context), str(event["user"])

        async def publish_home() -> None:
            await ws.home.publish(community, await ws.directory.member(user_id))

        self._in_flight.after_ack(publish_home, "publishing the App Home")

    # --- members' gestures ----------------------------------------------------------------

    async def on_command(self, ack: AsyncAck, body: Body, context: AsyncBoltContext) -> None:
        ws = await self._workspace(context)
        if ws is None:
            await ack()
            return
        if not ws.support_channel:  # installed, never set up: say so rather than nothing
            await ack(text=not_set_up_text(sayer(self._core, ws.community_id), ws.installer))
            return
        actor = await ws.directory.member(str(body["user_id"]), str(body.get("user_name", "")))
        event = inbound.command_event(_community(context), actor, body)
        where = Where(
            user_id=actor.user_id, channel_id=body.get("channel_id"), trigger_id=body["trigger_id"]
        )
        await self._take(ws, event, where)
        await ack()

    async def on_button(
        self, ack: AsyncAck, body: Body, action: Body, context: AsyncBoltContext
    ) -> None:
        ws = await self._workspace(context)
        if ws is None:
            await ack()
            return
        actor = await self._actor(ws, body)
        where, community = _where_pressed(actor, body), _community(context)
        action_id = str(action["action_id"])
        if self._core.opens_offered_form(action_id):
            # Answered at once from one read, with this click's fresh trigger: the core's
            # full path is what made the form late in the first place.
            form = await self._core.offered_form(community, actor.user_id, action_id)
            if form is not None:
                await ack()
                opening = OpenForm(user_id=actor.user_id, form=form)
                outbox = ws.outbox.at(where)
                self._in_flight.after_ack(lambda: outbox.deliver(opening), "opening a form")
                return
        event = inbound.button_event(community, actor, body, action)
        await self._take(ws, event, where)
        await ack()

    async def on_message_action(self, ack: AsyncAck, body: Body, context: AsyncBoltContext) -> None:
        ws = await self._workspace(context)
        if ws is None:
            await ack()
            return
        actor = await self._actor(ws, body)
        event = inbound.shortcut_event(_community(context), actor, body)
        where = Where(
            user_id=actor.user_id,
            channel_id=(body.get("channel") or {}).get("id"),
            thread_ts=inbound.action_thread(body),
            trigger_id=body.get("trigger_id"),
        )
        await self._take(ws, event, where)
        await ack()

    async def on_view_submission(
        self, ack: AsyncAck, body: Body, view: Body, context: AsyncBoltContext
    ) -> None:
        community = _community(context)
        ws = await self._workspace(context)
        if ws is None:
            await ack()
            return
        channel = self._form_metadata.open(str(view.get("private_metadata") or ""))
        if channel is None:
            await self._refuse_tampered(ws, ack, community, body)
            return
        answer = ViewAnswer(
            block_ids=tuple(str(b["block_id"]) for b in view.get("blocks", []) if "block_id" in b)
        )
        outbox: SlackOutbox | None = None

        async def answer_form() -> list[Pending]:
            """Decide, then put what answers the form (errors, the next form) in the ack."""
            nonlocal outbox
            actor = await self._actor(ws, body)
            event = inbound.view_event(community, actor, body)
            outbox = ws.outbox.at(
                Where(user_id=actor.user_id, channel_id=channel or None, view_answer=answer)
            )
            pending = await self._decide(event, outbox)
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

    async def _refuse_tampered(
        self, ws: Workspace, ack: AsyncAck, community: str, body: Body
    ) -> None:
        """A submission whose metadata Rebound did not sign: closed, nothing changed, and
        the member told privately."""
        log.warning("view submission refused: its private_metadata is not Rebound's")
        await ack()
        user_id = str((body.get("user") or {}).get("id", ""))
        expired = Notice(
            user_id=user_id, message=Message(text=self._core.say(community, FORM_EXPIRED))
        )
        outbox = ws.outbox.at(Where(user_id=user_id))
        self._in_flight.after_ack(lambda: outbox.deliver(expired), "refusing a form")


def _relevant(ws: Workspace, channel: object, channel_type: object = None) -> bool:
    """The support channel (posts and their threads) and DMs; Rebound reads no other."""
    return (bool(ws.support_channel) and channel == ws.support_channel) or channel_type == "im"


def _community(context: AsyncBoltContext) -> str:
    return community_of_request(context)


def _where_pressed(actor: Member, body: Body) -> Where:
    """Where a button was pressed: its channel and thread, and the click's trigger."""
    return Where(
        user_id=actor.user_id,
        channel_id=inbound.action_channel(body),
        thread_ts=inbound.action_thread(body),
        trigger_id=body.get("trigger_id"),
    )
