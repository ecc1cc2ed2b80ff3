"""Answering one interaction: within Discord's 3 seconds, whatever the core is doing.

`answer` starts the core's work and, if it has not produced the interaction's answer by
the deadline, defers (Discord shows "thinking" or nothing); what the core says afterwards
arrives as ephemeral follow-ups. A form is the one answer that cannot follow a deferral:
a late one is reported as `FormTooLate`, and the core offers it behind a button.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Mapping
from dataclasses import replace
from typing import Any

import discord

from adapters.discord.form_memory import FormMemory
from adapters.discord.forms import modal_id, modal_of
from adapters.discord.outbox import WITH_A_MEMBER, DiscordOutbox
from adapters.discord.render import NO_PINGS, parts
from bot.api import (
    Attempt,
    Button,
    Delivered,
    DirectTo,
    Form,
    FormTooLate,
    Intent,
    Message,
    Notice,
    OpenForm,
    RejectForm,
    Send,
)


class InteractionOutbox:
    """An outbox bound to one interaction: what only the actor should see answers it."""

    capabilities = WITH_A_MEMBER

    def __init__(
        self,
        base: DiscordOutbox,
        interaction: discord.Interaction[Any],
        forms: FormMemory,
        presets: Mapping[str, str] | None = None,
    ) -> None:
        self.base = base
        self.interaction = interaction
        self.forms = forms
        self.presets = dict(presets or {})
        self.actor_id = str(interaction.user.id)
        self.showed_modal = False
        self._lock = asyncio.Lock()
        self._started = time.perf_counter()
        # Seconds from this outbox's creation (the interaction's arrival) to its first answer.
        self.answered_after: float | None = None

    def _answering(self) -> None:
        if self.answered_after is None:
            self.answered_after = time.perf_counter() - self._started

    async def deliver(self, intent: Intent, attempt: Attempt | None = None) -> Delivered | None:
        match intent:
            case Notice(user_id=user_id, message=message) if user_id == self.actor_id:
                await self.tell(message)
            case OpenForm(user_id=user_id, form=form) if user_id == self.actor_id:
                await self._open(form)
            case RejectForm(form_id=form_id, errors=errors):
                await self._reject(form_id, errors)
            case Notice(user_id=user_id, message=message):
                # For another member: only the one who interacted sees ephemeral answers.
                private = Send(target=DirectTo(user_id=user_id), message=message)
                return await self.base.deliver(private, attempt)
            case _:
                return await self.base.deliver(intent, attempt)
        return None

    @property
    def answered(self) -> bool:
        return self.interaction.response.is_done()

    async def defer(self) -> None:
        """Acknowledge now; commands and forms show "thinking", buttons nothing."""
        async with self._lock:
            if self.answered:
                return
            thinking = self.interaction.type is not discord.InteractionType.component
            await self.interaction.response.defer(ephemeral=True, thinking=thinking)
            self._answering()

    async def tell(self, message: Message) -> None:
        """Ephemeral: the interaction's answer if none was given yet, else a follow-up."""
        async with self._lock:
            for text, view in parts(message, self.base.guild_id):
                extra: dict[str, Any] = {"view": view} if view else {}
                if not self.answered:
                    await self.interaction.response.send_message(
                        text, ephemeral=True, allowed_mentions=NO_PINGS, **extra
                    )
                    self._answering()
                else:
                    await self.interaction.followup.send(
                        text, ephemeral=True, allowed_mentions=NO_PINGS, **extra
                    )

    async def _open(self, form: Form) -> None:
        self.forms.remember(self.actor_id, form)
        async with self._lock:
            if not self.answered:
                await self.interaction.response.send_modal(modal_of(form, self.presets))
                self.showed_modal = True
                self._answering()
                return
        # Answered already (the core took longer than the deadline): a modal cannot follow,
        # so the core offers the form behind a button.
        raise FormTooLate(replace(form, answered=tuple(sorted(self.presets.items()))))

    async def _reject(self, form_id: str, errors: Mapping[str, str]) -> None:
        form = self.forms.recall(self.actor_id, form_id)
        text = "\n".join(errors.values())
        if form is None:
            await self.tell(Message(text=text))
        else:
            await self.tell(Message(text=text, buttons=_opener(form, self.presets).buttons))

    async def finish(self) -> None:
        """Make sure Discord got an answer (a button may change nothing visible)."""
        if not self.answered:
            await self.defer()


def _opener(form: Form, presets: Mapping[str, str]) -> Message:
    """A form as a message with one button that opens it (its id is the modal's)."""
    button = Button(label=form.title, action_id=modal_id(form.form_id, presets), style="primary")
    return Message(text=form.title, buttons=(button,))


async def answer(outbox: InteractionOutbox, work: Awaitable[list[Intent]], deadline: float) -> None:
    """Run the core's `work` for an interaction, deferring if it is not done by `deadline`."""
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=deadline)
    if not done:
        await outbox.defer()
    await task
    await outbox.finish()
