"""`/template` through the real core: list, search, fill, preview, send, post, errors, and
the templates a poster used showing up in their outcome form."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.contract.intents import (
    Button,
    DirectTo,
    Intent,
    Message,
    Notice,
    OpenForm,
    RejectForm,
    Send,
    Thread,
)
from tests.core.direction_checks import direction_leak, texts_in
from tests.support import (
    COMMUNITY,
    JO,
    MAYA,
    RUTH,
    SECOND_CONVERSATION,
    SECOND_CONVERSATION_VALUES,
    SIGNED_AS,
    Harness,
    form_in,
    harness,
)


@pytest.fixture
async def h(sqlite_url: str) -> AsyncIterator[Harness]:
    async with harness(sqlite_url) as running:
        yield running


def _notice(intents: list[Intent]) -> Notice:
    return next(i for i in intents if isinstance(i, Notice))


def _button(shown: Notice | Message, label: str) -> Button:
    message = shown.message if isinstance(shown, Notice) else shown
    return next(b for b in message.buttons if b.label == label)


async def _preview(h: Harness, actor=MAYA, args: str = "email warm", **values: str) -> Notice:  # type: ignore[no-untyped-def]
    form = form_in(await h.command(actor, "template", f"{SECOND_CONVERSATION} {args}"))
    return _notice(await h.submit(actor, form.form_id, **{**SECOND_CONVERSATION_VALUES, **values}))


async def test_no_argument_lists_every_template_by_situation(h: Harness) -> None:
    text = _notice(await h.command(JO, "template")).message.text
    assert "Right after the interview" in text and "Just for you" in text
    assert text.index("thank_you_after_interview") < text.index("note_to_self")
    assert "email (formal, warm and informal, understated British, direct American)" in text
    assert not [i for i in h.outbox.sent if not isinstance(i, Notice)]  # private, nothing posted


async def test_search_finds_by_words_and_an_unknown_id_lists_what_exists(h: Harness) -> None:
    found = _notice(await h.command(JO, "template", "ghosted recruiter")).message.text
    assert "`recruiter_ghosted`" in found and "`thank_you_after_interview`" not in found
    missing = _notice(await h.command(JO, "template", "thank_you_after_intervew")).message
    assert missing.key == "template.search.none"
    assert "thank_you_after_interview" in missing.text and "reapplying" in missing.text
    assert not h.outbox.of(Send)


async def test_an_unknown_channel_or_register_lists_the_variants(h: Harness) -> None:
    text = _notice(await h.command(JO, "template", f"{SECOND_CONVERSATION} fax")).message.text
    assert 'doesn\'t come as "fax"' in text and "letter (formal)" in text
    phone = _notice(await h.command(JO, "template", "second_conversation_phone email")).message
    assert "phone script" in phone.text


async def test_the_form_asks_for_the_placeholders_and_prefills_what_is_known(h: Harness) -> None:
    await h.post(MAYA, stage="recruiter_screen")
    form = form_in(await h.command(MAYA, "template", "keep_me_in_mind"))
    assert [f.name for f in form.fields] == [
        p.name
        for p in h.core.content.templates().get("keep_me_in_mind").placeholders  # type: ignore[union-attr]
    ]
    await _preview(h)
    again = form_in(await h.command(MAYA, "template", "thank_you_after_interview"))
    initial = {f.name: f.initial for f in again.fields}
    assert initial["interviewer_name"] == "Marta" and initial["organisation"] == "Brightline"
    assert all(f.label and len(f.label) <= 45 for f in again.fields)
    assert next(f for f in again.fields if f.name == "role").required


async def test_a_missing_required_value_is_named_and_nothing_is_sent(h: Harness) -> None:
    form = form_in(await h.command(MAYA, "template", SECOND_CONVERSATION))
    intents = await h.submit(
        MAYA, form.form_id, **{**SECOND_CONVERSATION_VALUES, "role": " ", "organisation": ""}
    )
    rejected = next(i for i in intents if isinstance(i, RejectForm))
    assert set(rejected.errors) == {"role", "organisation"}
    assert 'needs "Role"' in rejected.errors["role"]
    too_long = await h.submit(
        MAYA, form.form_id, **{**SECOND_CONVERSATION_VALUES, "role": "x" * 301}
    )
    assert "limit is 300" in next(i for i in too_long if isinstance(i, RejectForm)).errors["role"]
    assert not h.outbox.of(Send)


async def test_the_preview_is_private_and_filled_in(h: Harness) -> None:
    preview = await _preview(h)
    assert preview.user_id == MAYA.user_id
    assert (
        "Hi Marta," in preview.message.text and "the job is mostly analysis" in preview.message.text
    )
    assert "Subject:" in preview.message.text
    labels = [b.label for b in preview.message.buttons]
    assert labels == ["Send it to me privately", "Try another register"]  # no post: no thread


async def test_sending_privately_delivers_a_direct_message(h: Harness) -> None:
    preview = await _preview(h)
    await h.press(MAYA, _button(preview, "Send it to me privately"))
    dm = h.outbox.direct_to(MAYA)[-1]
    assert "Hi Marta," in dm.message.text
    refused = _notice(await h.press(JO, _button(preview, "Send it to me privately")))
    assert refused.message.key == "template.not_yours"
    assert not h.outbox.direct_to(JO)


async def test_another_register_keeps_the_values(h: Harness) -> None:
    preview = await _preview(h)
    choices = _notice(await h.press(MAYA, _button(preview, "Try another register"))).message
    labels = [b.label for b in choices.buttons]
    assert "email, warm and informal" not in labels and "letter, formal" in labels
    letter = _notice(await h.press(MAYA, _button(choices, "letter, formal")))
    assert "letter, formal" in letter.message.text and "Marta" in letter.message.text


async def test_an_anonymous_poster_posts_in_their_thread_without_their_name(h: Harness) -> None:
    thread = await h.post(MAYA, anonymous="yes")
    preview = await _preview(h, args="email british")
    await h.press(MAYA, _button(preview, "Post it in my thread"))
    posted = [s for s in h.outbox.of(Send) if s.target == Thread(thread_ref=thread)]
    assert len(posted) == 1
    text = posted[0].message.text
    assert "Marta" in text and "[Your name]" in text
    assert SIGNED_AS not in text and "Maya" not in text
    assert "Maya" not in (posted[0].message.author or "")
    again = _notice(await h.press(MAYA, _button(preview, "Post it in my thread")))
    assert again.message.key == "template.already_posted"
    assert len([s for s in h.outbox.of(Send) if s.target == Thread(thread_ref=thread)]) == 1


async def test_only_the_poster_posts_and_a_closed_thread_refuses(h: Harness) -> None:
    await h.post(MAYA)
    preview = await _preview(h)
    refused = _notice(await h.press(JO, _button(preview, "Post it in my thread")))
    assert refused.message.key == "template.not_yours"
    await h.wait(timedelta(days=31))
    closed = _notice(await h.press(MAYA, _button(preview, "Post it in my thread")))
    assert closed.message.key == "error.thread_closed"


async def test_templates_used_appear_in_the_outcome_form_and_update(h: Harness) -> None:
    thread = await h.post(MAYA, ask_outcome_on="3d")
    await h.reply(JO, thread, "Send the honest note.")
    preview = await _preview(h, args="email british")
    await h.press(MAYA, _button(preview, "Send it to me privately"))
    await h.press(MAYA, _button(preview, "Post it in my thread"))
    other = await _preview(h, args="letter")
    await h.press(MAYA, _button(other, "Send it to me privately"))
    await h.wait(timedelta(days=3))
    ask = next(s for s in h.outbox.direct_to(MAYA) if s.message.buttons)
    form = form_in(await h.press(MAYA, ask.message.buttons[0]))
    used = next(f for f in form.fields if f.name == "templates_used")
    labels = [c.label for c in used.choices]
    assert labels == [
        "Asking for a second conversation (email, understated British)",
        "Asking for a second conversation (letter, formal)",
    ]
    assert used.initial == tuple(c.value for c in used.choices)
    await h.submit(MAYA, form.form_id, result="worked", templates_used=used.choices[0].value)
    update = [s for s in h.outbox.of(Send) if s.target == Thread(thread_ref=thread)][-1]
    assert "Words from the template library they sent: Asking for a second" in update.message.text
    async with h.core.store.transaction() as repo:
        post = await repo.post_by_thread(COMMUNITY, thread)
        assert post is not None
        uses = await repo.templates.uses(COMMUNITY, post.id)
    assert [(u.via, u.sent) for u in uses] == [
        ("direct", True),
        ("thread", False),
        ("direct", False),
    ]
    forged = await h.submit(MAYA, form.form_id, result="worked", templates_used="999")
    assert not [i for i in forged if isinstance(i, OpenForm)]


async def test_a_member_without_a_post_uses_templates_without_records(h: Harness) -> None:
    preview = await _preview(h, actor=RUTH)
    await h.press(RUTH, _button(preview, "Send it to me privately"))
    assert isinstance(h.outbox.direct_to(RUTH)[-1].target, DirectTo)
    async with h.core.store.transaction() as repo:
        assert await repo.open_setbacks_of(COMMUNITY, RUTH.user_id) == []


async def test_autocomplete_suggests_ids_for_what_is_typed(h: Harness) -> None:
    suggestions = await h.core.suggest_templates(COMMUNITY, "second_con")
    assert [s.value for s in suggestions] == [
        "second_conversation_request",
        "second_conversation_phone",
    ]
    assert suggestions[0].label == "Asking for a second conversation (second_conversation_request)"
    everything = await h.core.suggest_templates(COMMUNITY, "", limit=3)
    assert len(everything) == 3
    assert await h.core.suggest_templates(COMMUNITY, "zzz") == []


async def test_a_filled_value_keeps_its_direction_to_itself(h: Harness) -> None:
    """A value with a right-to-left override cannot reverse the template's words after it."""
    thread = await h.post(MAYA)
    preview = await _preview(h, args="email british", interviewer_name="\u202eMarta")
    assert "Dear \u2068\u202eMarta\u202c\u2069," in preview.message.text
    await h.press(MAYA, _button(preview, "Post it in my thread"))
    posted = next(s for s in h.outbox.of(Send) if s.target == Thread(thread_ref=thread))
    assert "\u2068\u202eMarta\u202c\u2069" in posted.message.text
    for intent in h.outbox.sent:
        for text in texts_in(intent):
            assert direction_leak(text) is None, text
