"""Where a message lives on the console platform."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InChannel:
    channel_id: str


@dataclass(frozen=True)
class InThread:
    channel_id: str
    thread_ref: str  # the id of the thread's root message


@dataclass(frozen=True)
class InDM:
    """The private conversation between one member and the bot."""

    user_id: str


Place = InChannel | InThread | InDM
