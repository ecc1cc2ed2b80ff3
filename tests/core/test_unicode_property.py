"""Any Unicode a member sends is stored (normalised), on SQLite and PostgreSQL, and nothing
Rebound sends lets a direction control act beyond the member text it came in."""

from __future__ import annotations

import asyncio
import itertools
import unicodedata
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.contract.events import MessageEdited
from bot.domain.member_text import normalise
from bot.domain.model import Member
from bot.engine import runtime
from tests.core.direction_checks import direction_leak, texts_in
from tests.support import COMMUNITY, JO, MAYA, Harness, harness

# What breaks stores and sentences, mixed into arbitrary text (surrogates included).
_TROUBLE = [
    "\x00", "\x01", "\x1b", "\x7f", "\x85", "\x9f", "\r", "\t", "\n",
    "\ud800", "\udbff", "\udc00", "\udfff",
    "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
    "\u2066", "\u2067", "\u2068", "\u2069", "\u200f", "\u061c",
    "\U0001f600", "\U0001d11e", "\U00010348", "e\u0301", "\u05d0", "\u0627", "\u0661",
    "<!channel>", "@here",
]  # fmt: skip
_CHARACTERS = st.one_of(
    st.characters(exclude_categories=()),  # every code point, lone surrogates too
    st.sampled_from(_TROUBLE),
)


def member_text(max_size: int) -> st.SearchStrategy[str]:
    return st.lists(_CHARACTERS, max_size=max_size).map("".join)


def _stored_form(raw: str) -> str:
    """What a stored text must read back as, checked independently of `normalise` too."""
    stored = normalise(raw)
    stored.encode("utf-8")  # strict: no lone surrogate
    assert unicodedata.is_normalized("NFC", stored)
    assert not any(unicodedata.category(c) == "Cc" and c not in "\t\n" for c in stored), repr(
        stored
    )
    return stored


async def _post_and_reply(
    h: Harness, n: int, *, name: str, title: str, body: str, reply: str, edit: str
) -> None:
    poster = Member(user_id=f"U-poster-{n}", display_name=name)
    helper = Member(user_id=f"U-helper-{n}", display_name=name)
    # A visible first word: the property is about what surrounds it, not about empty input.
    title, body = f"T{n} {title}", f"B {body}"
    thread = await h.post(poster, title=title, body=body)  # fails on a refused form
    reply_ref = await h.reply(helper, thread, f"R {reply}")
    await h.send(
        MessageEdited(
            community_id=COMMUNITY,
            event_id=h.next_event_id(),
            actor=helper,
            message_ref=reply_ref,
            text=f"E {edit}",
        )
    )
    await h.wait(timedelta(days=2))  # follow-ups name the post in their sentences

    async with h.core.store.transaction() as repo:
        post = await repo.post_by_thread(COMMUNITY, thread)
        stored_reply = await repo.reply_by_ref(COMMUNITY, reply_ref)
    assert post is not None, "the post was not stored"
    assert stored_reply is not None, "the reply was not stored"
    assert post.title == _stored_form(title).strip()
    assert post.body == _stored_form(body).strip()
    assert post.poster_name == _stored_form(name)
    assert stored_reply.author_name == _stored_form(name)
    assert stored_reply.text == _stored_form(f"E {edit}")

    for intent in h.outbox.sent:
        for text in texts_in(intent):
            leak = direction_leak(text)
            assert leak is None, (intent, leak)


def test_any_unicode_is_stored_and_never_leaks_direction(database_url: str) -> None:
    with asyncio.Runner() as runner:
        running = harness(database_url)
        h = runner.run(running.__aenter__())
        numbers = itertools.count(1)
        try:

            @settings(
                max_examples=40,
                deadline=None,
                database=None,
                suppress_health_check=[HealthCheck.too_slow],
            )
            @example(  # the report that started it: NUL and a lone surrogate on PostgreSQL
                name="Jo\x00", title="\ud800", body="a\x00b", reply="\x00\udfff", edit="\u202e!"
            )
            @given(
                name=member_text(20),
                title=member_text(40),
                body=member_text(120),
                reply=member_text(120),
                edit=member_text(60),
            )
            def post_and_reply(name: str, title: str, body: str, reply: str, edit: str) -> None:
                h.outbox.clear()
                runner.run(
                    _post_and_reply(
                        h, next(numbers), name=name, title=title, body=body, reply=reply, edit=edit
                    )
                )

            post_and_reply()
        finally:
            runner.run(running.__aexit__(None, None, None))


@pytest.mark.postgres
async def test_text_the_store_refuses_comes_back_to_the_member(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the edge's normalisation switched off, PostgreSQL really refuses a NUL: the reply
    is not stored, and its writer gets their words back privately instead of "try again"."""
    async with harness(postgres_url) as h:
        thread = await h.post(MAYA)
        monkeypatch.setattr(runtime, "normalised", lambda event: event)
        h.outbox.clear()
        ref = await h.reply(JO, thread, "What helped me\x00: asking for feedback")
        async with h.core.store.transaction() as repo:
            assert await repo.reply_by_ref(COMMUNITY, ref) is None
        (notice,) = h.outbox.notices_to(JO)
        assert notice.message.key == "error.not_saved"
        assert dict(notice.message.params) == {"text": "What helped me\x00: asking for feedback"}
        assert notice.message.text.endswith("What helped me\x00: asking for feedback")
