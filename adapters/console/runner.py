"""Plays a checked script through a ConsoleBridge, step by step."""

from __future__ import annotations

from collections.abc import Mapping

from adapters.console.bridge import ConsoleBridge, Core, manual_clock, open_session
from adapters.console.entries import ConsoleMessage
from adapters.console.forms import AnswerError, fill_form
from adapters.console.places import InChannel, Place
from adapters.console.script import ScriptError
from adapters.console.steps import (
    Action,
    Command,
    Delete,
    Dm,
    Edit,
    Fill,
    Note,
    Press,
    React,
    Reply,
    Say,
    Script,
    Step,
    Wait,
)
from adapters.console.transcript import Transcript
from adapters.console.world import World, WorldError
from bot.api import Member


async def run_script(script: Script, core: Core) -> Transcript:
    """Play `script` against `core` (built on a ManualClock) and return what everyone saw."""
    clock = manual_clock(core)
    if clock.now() < script.start:
        clock.advance(script.start - clock.now())
    session = await open_session(
        core,
        community=script.community,
        members=script.members,
        settings=script.settings,
        tick_every=script.tick_every,
    )
    try:
        await _Player(script, session).play()
    except ScriptError as problem:
        problem.transcript = Transcript.from_log(session.world.log)
        raise
    return Transcript.from_log(session.world.log)


class _Player:
    def __init__(self, script: Script, session: ConsoleBridge) -> None:
        self.script = script
        self.session = session
        self.world: World = session.world
        self.labels: dict[str, str] = {}

    async def play(self) -> None:
        for step in self.script.steps:
            self.world.step = step.number
            mark = self.world.mark()
            try:
                own = await self._run(step)
                if step.label is not None:
                    self.labels[step.label] = own.id if own else self._made_by_bot(mark)
            except (WorldError, AnswerError) as problem:
                raise ScriptError(
                    f"{self.script.source}: step {step.number} ({step.kind}): {problem}"
                ) from None
            except Exception as crash:
                crash.add_note(
                    f"while playing step {step.number} ({step.kind}) of {self.script.source}"
                )
                raise

    async def _run(self, step: Step) -> ConsoleMessage | None:
        session = self.session
        match step:
            case Command(name=name, text=text, place=place):
                member = self._member(step)
                where = self._place(place, member) if place else None
                await session.command(member, name, text, where)
            case Fill(values=values):
                await self._fill(self._member(step), values)
            case Say(text=text, channel=channel):
                return await session.say(self._member(step), text, channel)
            case Reply(thread=thread, text=text):
                return await session.reply(self._member(step), self._id(thread), text)
            case Dm(text=text):
                return await session.dm(self._member(step), text)
            case Edit(message=message, text=text):
                await session.edit(self._member(step), self._id(message), text)
            case Delete(message=message):
                await session.delete(self._member(step), self._id(message))
            case React(message=message, emoji=emoji, removed=removed):
                await session.react(self._member(step), self._id(message), emoji, removed=removed)
            case Press():
                await self._press(self._member(step), step)
            case Action(name=name, message=message):
                await session.message_action(self._member(step), name, self._id(message))
            case Wait(duration=duration):
                await session.wait(duration)
            case Note(text=text):
                session.note(text)
        return None

    async def _fill(self, member: Member, values: Mapping[str, object]) -> None:
        form = self.session.pending_form(member)
        if form is None:
            raise WorldError(
                f"{member.display_name} has no form open to fill "
                "(a command or a button opens one first)"
            )
        answers = fill_form(form, values, self.session.clock.now().date())
        await self.session.submit_form(member, answers)

    async def _press(self, member: Member, step: Press) -> None:
        message, button = self.world.find_button(
            member,
            step.button,
            message_id=self._id(step.message) if step.message else None,
            within=self._place(step.place, member) if step.place else None,
        )
        await self.session.press(member, message.id, button)

    def _member(self, step: Step) -> Member:
        assert step.actor is not None  # the script checked that member steps name one
        return self.world.member_named(step.actor)

    def _id(self, ref: str) -> str:
        """A label's message id; message ids stand for themselves."""
        return self.labels.get(ref, ref)

    def _place(self, ref: str, member: Member) -> Place:
        return self.world.place_named(self._id(ref), member)

    def _made_by_bot(self, mark: int) -> str:
        """What a label names on a step that posts nothing itself: a post the bot started
        (a public channel message), else the first message the bot sent."""
        made = [m for m in self.world.created_since(mark) if m.by_bot]
        public = [m for m in made if isinstance(m.place, InChannel) and m.only is None]
        if not made:
            raise WorldError("the step's label has nothing to name: no message was posted")
        return (public or made)[0].id
