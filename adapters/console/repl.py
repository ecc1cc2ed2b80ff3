"""The interactive console: type as any member, watch what everyone sees.

Every bad line gets a one-line answer and the prompt comes back; nothing raises.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Awaitable, Callable, Iterable

from adapters.console.bridge import ConsoleBridge, CoreFailed
from adapters.console.durations import DurationError, parse_duration
from adapters.console.entries import ConsoleMessage, Entry, FormRejected, FormShown, Posted
from adapters.console.forms import (
    Answer,
    AnswerError,
    answer_field,
    describe_field,
    shown_answer,
)
from adapters.console.places import InChannel, Place
from adapters.console.transcript import Record, TextRenderer, record_of
from adapters.console.world import WorldError
from bot.api import Form, FormField, Member

log = logging.getLogger(__name__)

Read = Callable[[str], Awaitable[str]]
Write = Callable[[str], None]
SETBACK_COMMAND = "setback"
TEMPLATE_COMMAND = "template"
SHOW_DEFAULT = 10

HELP = """\
/as NAME            act as another member          /members       who is here
/post               share a setback (form)         /fill          fill your open form again
/cmd [#PLACE] NAME [TEXT]  a slash command (#PLACE: #helpers, #dm, or #m3 for m3's thread)
/template [ID|WORDS] [CHANNEL] [REGISTER]  words to send: list, search, or fill one in
/say [#CHANNEL] TEXT       a message in #support, or in the channel named
/reply MSG TEXT     reply in the thread of MSG     /dm TEXT       private message to the bot
/react MSG EMOJI    add a reaction                 /unreact MSG EMOJI
/press N|LABEL      press button [N] of the last output, or a button by its label
/best MSG           mark MSG as a best answer      /unbest MSG
/action NAME MSG    any message action (save_template, feature_answer, hide_reply)
/edit MSG TEXT      /delete MSG
/wait 3d            let time pass (w d h m)        /show [N]      what you can see now
/help  /quit        (in a form: /cancel to stop; an empty answer keeps the default;
                    a number picks a choice by its place in the list)"""


class UsageError(Exception):
    """A command typed wrongly; the message shows the right form."""


class _Cancelled(Exception):
    pass


async def read_line(prompt: str) -> str:
    """`input(prompt)` without blocking the loop.

    It runs in a daemon thread rather than the loop's executor: a cancelled read (Ctrl-C)
    then returns at once, and the blocked `input` cannot hold up the program's exit."""
    loop = asyncio.get_running_loop()
    typed: asyncio.Future[str] = loop.create_future()

    def settle(outcome: str | Exception) -> None:
        if typed.done():  # the read was cancelled meanwhile
            return
        if isinstance(outcome, Exception):
            typed.set_exception(outcome)
        else:
            typed.set_result(outcome)

    def read() -> None:
        outcome: str | Exception
        try:
            outcome = input(prompt)
        except Exception as exc:  # EOFError on Ctrl-D, an OSError if stdin is gone
            outcome = exc
        with contextlib.suppress(RuntimeError):  # the loop may be closed by now
            loop.call_soon_threadsafe(settle, outcome)

    threading.Thread(target=read, name="console-input", daemon=True).start()
    return await typed


class Repl:
    def __init__(self, session: ConsoleBridge, *, read: Read = read_line, write: Write = print):
        self.session = session
        self.world = session.world
        self.read = read
        self.write = write
        self.member: Member = self.world.members[0]
        self.renderer = TextRenderer(running_numbers=True)
        self.printed = 0
        self.last_buttons: list[tuple[str, str]] = []  # (message id, label) as numbered
        self.answers: dict[tuple[str, str], dict[str, Answer]] = {}  # (user id, form id)
        self.commands: dict[str, Callable[[str], Awaitable[None]]] = {
            "as": self._as,
            "members": self._members,
            "post": self._post,
            "cmd": self._cmd,
            "template": self._template,
            "fill": self._fill,
            "say": self._say,
            "reply": self._reply,
            "dm": self._dm,
            "react": self._react,
            "unreact": self._unreact,
            "press": self._press,
            "best": self._best,
            "unbest": self._unbest,
            "action": self._action,
            "edit": self._edit,
            "delete": self._delete,
            "wait": self._wait,
            "show": self._show,
            "help": self._help,
        }

    async def run(self) -> None:
        """Read and carry out lines until /quit or end of input (Ctrl-D)."""
        self.write(HELP)
        while True:
            try:
                line = await self.read(f"{self.member.display_name}> ")
            except EOFError:
                return
            if not await self.execute(line):
                return

    async def execute(self, line: str) -> bool:
        """Carry out one line; False means quit."""
        line = line.strip()
        if not line:
            return True
        if line.lower() in ("/quit", "/exit", "/q"):
            return False
        # `/press N` counts the buttons of the previous command's output only.
        self.last_buttons = self.renderer.numbered
        self.renderer.reset()
        await self._guarded(self._dispatch(line))
        return True

    async def _dispatch(self, line: str) -> None:
        if not line.startswith("/"):
            raise UsageError("commands start with / (try /say TEXT, or /help)")
        name, _, rest = line[1:].partition(" ")
        handler = self.commands.get(name.lower())
        if handler is None:
            raise UsageError(f"there is no /{name}; /help lists the commands")
        await handler(rest.strip())

    async def _guarded(self, action: Awaitable[None]) -> None:
        start = len(self.world.log)
        try:
            await action
        except (WorldError, AnswerError, DurationError, UsageError) as problem:
            self.write(f"! {problem}")
        except _Cancelled:
            self.write("Form left open: /fill to come back to it.")
        except CoreFailed as failure:
            log.debug("the core failed", exc_info=True)
            self.write(f"! the core failed: {failure}")
        except Exception as crash:
            log.debug("the console failed", exc_info=True)
            self.write(f"! the console failed: {type(crash).__name__}: {crash}")
        self._print_new()
        await self._answer_forms(self.world.log[start:])

    def _print_new(self) -> None:
        new = self.world.log[self.printed :]
        self.printed = len(self.world.log)
        self._print([record_of(entry) for entry in new])

    def _print(self, records: list[Record]) -> None:
        for line in self.renderer.render(records):
            self.write(line)

    # Forms --------------------------------------------------------------------------------

    async def _answer_forms(self, entries: Iterable[Entry]) -> None:
        """If the bot just opened (or bounced) a form for the current member, fill it now."""
        mine = (self.member.display_name,)
        opened = [e for e in entries if isinstance(e, FormShown | FormRejected)]
        if any(e.audience == mine for e in opened) and self.session.pending_form(self.member):
            await self._guarded(self._fill(""))

    async def _fill(self, _: str) -> None:
        form = self.session.pending_form(self.member)
        if form is None:
            raise UsageError(f"{self.member.display_name} has no form open")
        key = (self.member.user_id, form.form_id)
        self.answers[key] = await self._ask(form, self.answers.get(key, {}))
        await self.session.submit_form(self.member, self.answers[key])
        if self.session.pending_form(self.member) != form:  # accepted, not bounced back
            del self.answers[key]

    async def _ask(self, form: Form, before: dict[str, Answer]) -> dict[str, Answer]:
        values: dict[str, Answer] = {}
        for field in form.fields:
            for line in describe_field(field):
                self.write(line)
            default = before.get(field.name, field.initial)
            values[field.name] = await self._ask_field(field, default)
        return values

    async def _ask_field(self, field: FormField, default: Answer) -> Answer:
        shown = shown_answer(field, default, numbered=True)
        prompt = f"  [{shown}] > " if shown else "  > "
        today = self.session.clock.now().date()
        while True:
            try:
                typed = (await self.read(prompt)).strip()
            except EOFError:
                raise _Cancelled from None
            if typed == "/cancel":
                raise _Cancelled
            if typed.startswith("/"):
                self.write("! answer the field first, or /cancel to leave the form open")
                continue
            if not typed and (default or not field.required):
                return default
            try:
                return answer_field(field, typed, today)
            except AnswerError as problem:
                self.write(f"! {problem}")

    # Commands -----------------------------------------------------------------------------

    async def _as(self, name: str) -> None:
        self.member = self.world.member_named(_needed(name, "/as NAME"))
        self.write(f"Now acting as {self.member.display_name}.")

    async def _members(self, _: str) -> None:
        for m in self.world.members:
            marks = [m.user_id, *(["moderator"] if m.is_moderator else [])]
            current = "*" if m == self.member else " "
            self.write(f"{current} {m.display_name} ({', '.join(marks)})")

    async def _post(self, _: str) -> None:
        await self.session.command(self.member, SETBACK_COMMAND)

    async def _cmd(self, rest: str) -> None:
        usage = "/cmd [#PLACE] NAME [TEXT]"
        place, command = self._place_and_rest(_needed(rest, usage), usage)
        name, _, text = command.lstrip("/").partition(" ")
        await self.session.command(self.member, name, text.strip(), place)

    async def _template(self, rest: str) -> None:
        await self.session.command(self.member, TEMPLATE_COMMAND, rest.strip())

    async def _say(self, rest: str) -> None:
        usage = "/say [#CHANNEL] TEXT"
        place, text = self._place_and_rest(_needed(rest, usage), usage)
        if place is not None and not isinstance(place, InChannel):
            raise UsageError(f"/say posts in a channel ({', '.join(self.world.channels)})")
        await self.session.say(self.member, text, place.channel_id if place else None)

    def _place_and_rest(self, text: str, usage: str) -> tuple[Place | None, str]:
        """An optional leading `#support`, `#dm` or `#m3` (that message's thread), and the rest."""
        if not text.startswith("#"):
            return None, text
        name, rest = _two(text, usage)
        return self.world.place_named(name, self.member), rest

    async def _reply(self, rest: str) -> None:
        message, text = _two(rest, "/reply MSG TEXT")
        await self.session.reply(self.member, message, text)

    async def _dm(self, text: str) -> None:
        await self.session.dm(self.member, _needed(text, "/dm TEXT"))

    async def _react(self, rest: str) -> None:
        message, emoji = _two(rest, "/react MSG EMOJI")
        await self.session.react(self.member, message, emoji)

    async def _unreact(self, rest: str) -> None:
        message, emoji = _two(rest, "/unreact MSG EMOJI")
        await self.session.react(self.member, message, emoji, removed=True)

    async def _press(self, rest: str) -> None:
        wanted = _needed(rest, "/press N  or  /press LABEL")
        if wanted.isdigit():
            number = int(wanted)
            if not self.last_buttons:
                raise UsageError(
                    "the last output has no numbered buttons (/show lists recent messages)"
                )
            if not 1 <= number <= len(self.last_buttons):
                raise UsageError(f"there is no button [{number}] in the last output")
            message_id, label = self.last_buttons[number - 1]
            message, button = self.world.find_button(self.member, label, message_id=message_id)
        else:
            message, button = self.world.find_button(self.member, wanted)
        await self.session.press(self.member, message.id, button)

    async def _best(self, message: str) -> None:
        await self.session.message_action(self.member, "mark_best", _needed(message, "/best MSG"))

    async def _unbest(self, message: str) -> None:
        await self.session.message_action(
            self.member, "unmark_best", _needed(message, "/unbest MSG")
        )

    async def _action(self, rest: str) -> None:
        name, message = _two(rest, "/action NAME MSG")
        await self.session.message_action(self.member, name, message)

    async def _edit(self, rest: str) -> None:
        message, text = _two(rest, "/edit MSG TEXT")
        await self.session.edit(self.member, message, text)

    async def _delete(self, message: str) -> None:
        await self.session.delete(self.member, _needed(message, "/delete MSG"))

    async def _wait(self, text: str) -> None:
        await self.session.wait(parse_duration(_needed(text, "/wait 3d")))

    async def _show(self, text: str) -> None:
        count = _positive(text, "/show [N]") if text else SHOW_DEFAULT
        visible = self.world.visible_to(self.member.user_id)[-count:]
        self._print([self._current(m) for m in visible])

    def _current(self, message: ConsoleMessage) -> Record:
        """A record of a message as it is now (for /show)."""
        stamp = self.world.stamp(message.place, message.only)
        stamp["time"] = message.time
        return record_of(Posted(**stamp, message=message))

    async def _help(self, _: str) -> None:
        self.write(HELP)


def _needed(text: str, usage: str) -> str:
    if not text.strip():
        raise UsageError(f"usage: {usage}")
    return text.strip()


def _positive(text: str, usage: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise UsageError(f"{text!r} is not a number above zero (usage: {usage})")
    return int(text)


def _two(text: str, usage: str) -> tuple[str, str]:
    first, _, rest = _needed(text, usage).partition(" ")
    if not rest.strip():
        raise UsageError(f"usage: {usage}")
    return first, rest.strip()
