"""ConsoleOutbox: carries the core's intents out on the simulated platform.

It renders faithfully: the words are the intent's, the shown author is the intent's
(or the bot's name), and nothing is added but the platform's own structure.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from adapters.console.entries import Edited, FormRejected, FormShown
from adapters.console.places import InChannel, InDM, InThread, Place
from adapters.console.world import BOT_NAME, Stamp, World, WorldError
from bot.api import (
    Attempt,
    Capabilities,
    Channel,
    CloseThread,
    Delivered,
    DeliveryFailed,
    DirectTo,
    EditMessage,
    Intent,
    Message,
    Notice,
    OpenForm,
    RejectForm,
    RenameThread,
    Send,
    SendFile,
    SetThreadTags,
    StartThread,
    Target,
    Thread,
)


class ConsoleOutbox:
    """The `Outbox` of one console community."""

    capabilities = Capabilities(
        threads=True,
        forms=True,
        buttons=True,
        reactions=True,
        ephemeral=True,
        direct_messages=True,
        tags=True,
        named_threads=True,
    )

    def __init__(self, world: World, files: Path | None = None) -> None:
        self.world = world
        # Where files sent to members (data exports) are written, then linked in their DM.
        self.files = files or Path("rebound-files")

    async def deliver(self, intent: Intent, attempt: Attempt | None = None) -> Delivered | None:
        """Carry out `intent`; return the message it created, if any."""
        try:
            return self._deliver(intent)
        except WorldError as exc:
            raise DeliveryFailed(str(exc)) from exc

    def _deliver(self, intent: Intent) -> Delivered | None:
        match intent:
            case Send(target=target, message=message):
                return Delivered(self._post(self._place(target), message))
            case StartThread():
                thread = self.world.start_thread(
                    intent.channel_id,
                    title=intent.title,
                    author=_author(intent.message),
                    text=intent.message.text,
                    tags=intent.tags,
                    buttons=intent.message.buttons,
                    links=intent.message.links,
                )
                return Delivered(thread, thread_ref=thread)
            case Notice(user_id=user_id, message=message):
                return Delivered(self._post(self.world.place_of(user_id), message, only=user_id))
            case EditMessage(message_ref=ref, message=message):
                self._edit(ref, message)
            case OpenForm(user_id=user_id, form=form):
                self.world.forms.open(user_id, form)
                self.world.log.append(FormShown(**self._privately(user_id), form=form))
            case RejectForm(form_id=form_id, errors=errors):
                user_id, form = self.world.forms.reopen(form_id)
                self.world.log.append(
                    FormRejected(**self._privately(user_id), form=form, errors=dict(errors))
                )
            case CloseThread(thread_ref=ref, reopen=True):
                self.world.reopen_thread(ref)
            case CloseThread(thread_ref=ref):
                self.world.close_thread(ref)
            case SetThreadTags(thread_ref=ref, tags=tags):
                self.world.set_tags(ref, tags)
            case RenameThread(thread_ref=ref, title=title):
                self.world.rename_thread(ref, title)
            case SendFile(user_id=user_id, filename=filename, content=content, message=message):
                path = self.files / filename
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(content)
                linked = replace(message, text=f"{message.text}\n{path.resolve().as_uri()}")
                return Delivered(self._post(InDM(user_id), linked))
        return None

    def _place(self, target: Target) -> Place:
        match target:
            case Channel(channel_id=channel_id):
                return InChannel(channel_id)
            case Thread(thread_ref=ref):
                return InThread(self.world.thread(ref).channel_id, ref)
            case DirectTo(user_id=user_id):
                return InDM(user_id)

    def _post(self, place: Place, message: Message, *, only: str | None = None) -> str:
        posted = self.world.post(
            place,
            author=_author(message),
            text=message.text,
            buttons=message.buttons,
            links=message.links,
            only=only,
        )
        return posted.id

    def _edit(self, ref: str, message: Message) -> None:
        old = self.world.message(ref)
        if not old.by_bot:
            raise WorldError(f"message {ref} is a member's, not the bot's")
        new = replace(
            old,
            author=message.author or old.author,
            text=message.text,
            buttons=message.buttons,
            links=message.links,
        )
        self.world.replace(new)
        self.world.log.append(Edited(**self.world.stamp(new.place, new.only), message=new))

    def _privately(self, user_id: str) -> Stamp:
        """A stamp for something only `user_id` sees, where they last acted."""
        return self.world.stamp(self.world.place_of(user_id), only=user_id)


def _author(message: Message) -> str:
    return message.author if message.author is not None else BOT_NAME
