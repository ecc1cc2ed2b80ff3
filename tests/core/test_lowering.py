"""Where a platform lacks a capability, the core's intents degrade instead of failing."""

from __future__ import annotations

from bot.intents import (
    CloseThread,
    DirectTo,
    Intent,
    Message,
    Notice,
    Send,
    SetThreadTags,
    Thread,
)
from bot.lowering import lower
from bot.ports import Capabilities

NOTICE = Notice(user_id="U1", message=Message(text="only for you"))
TAGS = SetThreadTags(thread_ref="t", tags=("Answered",))
CLOSE = CloseThread(thread_ref="t")
POST = Send(target=Thread(thread_ref="t"), message=Message(text="hello"))


def test_a_full_platform_gets_everything_unchanged() -> None:
    intents: list[Intent] = [NOTICE, TAGS, CLOSE, POST]
    assert lower(intents, Capabilities(tags=True)) == intents


def test_without_ephemeral_messages_a_notice_travels_as_a_dm() -> None:
    lowered = lower([NOTICE], Capabilities(ephemeral=False))
    assert lowered == [Send(target=DirectTo(user_id="U1"), message=NOTICE.message)]


def test_without_tags_the_status_line_is_enough() -> None:
    assert lower([TAGS, POST], Capabilities(tags=False)) == [POST]


def test_without_threads_there_is_nothing_to_lock() -> None:
    assert lower([CLOSE, POST], Capabilities(threads=False)) == [POST]
