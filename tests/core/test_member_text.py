"""Member text in (normalised at the core's edge) and out (isolated inside bot sentences)."""

from __future__ import annotations

import unicodedata

import pytest

from bot.contract.events import (
    ButtonPressed,
    FormSubmitted,
    MessagePosted,
    normalised,
    written_text,
)
from bot.domain.member_text import (
    _REORDERING,
    balance_directions,
    isolate,
    normalise,
    shown,
    shown_within,
)
from bot.domain.model import Member
from bot.words.content import load_content
from tests.core.direction_checks import direction_leak

FSI, PDI, PDF = "\u2068", "\u2069", "\u202c"
RLO, LRO, RLE, RLI = "\u202e", "\u202d", "\u202b", "\u2067"
HEBREW = "\u05e9\u05dc\u05d5\u05dd"  # shalom


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("a\x00b", "ab"),  # NUL: PostgreSQL refuses it
        ("bell\x07 esc\x1b del\x7f", "bell esc del"),
        ("c1\x85\x9b here", "c1 here"),  # C1 controls, NEL included
        ("tab\tand\nnewline", "tab\tand\nnewline"),
        ("windows\r\nline\rend", "windows\nline\nend"),
        ("lone \ud800 high, \udfff low", "lone \ufffd high, \ufffd low"),
        ("pair \ud83d\ude00 joined", "pair \U0001f600 joined"),
        ("e\u0301cole", "\u00e9cole"),  # NFC
        ("4-byte \U0001d11e \U0001f389", "4-byte \U0001d11e \U0001f389"),
        (f"{RLO}direction controls stay{PDF}", f"{RLO}direction controls stay{PDF}"),
    ],
)
def test_normalise_makes_any_text_storable_and_keeps_its_meaning(raw: str, stored: str) -> None:
    assert normalise(raw) == stored
    normalise(raw).encode("utf-8")  # strict: no surrogate survives
    assert unicodedata.is_normalized("NFC", normalise(raw))


def test_events_are_normalised_field_by_field() -> None:
    event = MessagePosted(
        community_id="console:x",
        event_id="e\x001",
        actor=Member(user_id="U1", display_name="Jo\x00\ud800"),
        channel_id="c",
        message_ref="m",
        text="he\x00llo e\u0301",
    )
    clean = normalised(event)
    assert type(clean) is MessagePosted
    assert clean.text == "hello \u00e9"
    assert clean.actor.display_name == "Jo\ufffd"
    assert clean.event_id == "e1"

    form = FormSubmitted(
        community_id="console:x",
        event_id="f1",
        actor=Member(user_id="U1", display_name="Jo"),
        form_id="rb:form:setback",
        values={"title": "T\x00", "tags": ["a\x01", "b"], "empty": None},  # type: ignore[dict-item]
    )
    assert normalised(form).values == {"title": "T", "tags": ["a", "b"], "empty": None}


def test_written_text_is_what_the_member_typed() -> None:
    member = Member(user_id="U1", display_name="Jo")
    base = {"community_id": "console:x", "event_id": "e", "actor": member}
    posted = MessagePosted(**base, channel_id="c", message_ref="m", text="  my words ")  # type: ignore[arg-type]
    form = FormSubmitted(**base, form_id="f", values={"title": "T", "body": "B", "tags": []})  # type: ignore[arg-type]
    assert written_text(posted) == "my words"
    assert written_text(form) == "T\n\nB"
    assert written_text(ButtonPressed(**base, action_id="rb:x:1")) == ""  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "balanced"),
    [
        (f"{RLO}evil", f"{RLO}evil{PDF}"),  # closed before the text ends
        (f"a{PDF}b{PDI}c", "abc"),  # closers that close nothing are dropped
        (f"{RLI}x{PDF}y", f"{RLI}xy{PDI}"),  # a PDF cannot close across an isolate
        (f"{RLI}{RLE}x{PDI}y", f"{RLI}{RLE}x{PDF}{PDI}y"),  # a PDI closes what it holds
        (f"{RLO}one\ntwo{PDF}", f"{RLO}one{PDF}\ntwo"),  # a paragraph ends everything
        (f"{LRO}fine{PDF} {FSI}too{PDI}", f"{LRO}fine{PDF} {FSI}too{PDI}"),
    ],
)
def test_direction_controls_are_balanced(raw: str, balanced: str) -> None:
    assert balance_directions(raw) == balanced


def test_isolate_wraps_each_paragraph_that_could_reorder_its_sentence() -> None:
    assert isolate(f"{RLO}evil") == f"{FSI}{RLO}evil{PDF}{PDI}"
    assert isolate(f"{HEBREW}\n\nplain\n{HEBREW} 2") == (
        f"{FSI}{HEBREW}{PDI}\n\nplain\n{FSI}{HEBREW} 2{PDI}"
    )
    # Nothing that could reorder a left-to-right sentence: left as it is (ids stay copyable).
    assert isolate("our_follow_up") == "our_follow_up"
    assert isolate("Zoë 日本") == "Zoë 日本"


def test_shown_isolates_and_still_neutralises_mentions() -> None:
    text = shown(f"<!channel> {RLO}gnp.exe")
    assert "<!channel>" not in text
    assert text.startswith(FSI)
    assert text.endswith(f"{PDF}{PDI}")
    assert direction_leak(text) is None


def test_a_members_override_cannot_reverse_the_bots_sentence() -> None:
    said = load_content().render("best.author_told", title=f"{RLO}Froze")
    assert said.startswith(f'Your reply on "{FSI}{RLO}Froze{PDF}{PDI}" was marked')
    assert direction_leak(said) is None
    # Without the wrapper the same title would reverse the rest of the sentence.
    assert direction_leak(f'Your reply on "{RLO}Froze" was marked') is not None


@pytest.mark.parametrize(
    "text",
    [f"{RLO}x", f"x{PDF}", f"{FSI}x", f"x{PDI}", f"{FSI}{RLO}x{PDI}", f"{RLE}x{PDF}"],
)
def test_the_leak_check_itself_catches_leaks(text: str) -> None:
    assert direction_leak(text) is not None


@pytest.mark.parametrize("title", ["x" * 150, f"{RLO}" * 30 + HEBREW * 20, f"{HEBREW} {RLE}" * 40])
def test_shown_within_a_limit_cuts_before_it_isolates(title: str) -> None:
    label = shown_within(title, 57)
    assert len(label) <= 57
    assert direction_leak(label) is None
    assert label.strip(FSI + PDI + PDF)  # something of the title is left


@pytest.mark.parametrize(
    "paragraph",
    ["plain words", "a dash \u2014 and\u2026", "caf\u00e9 " + HEBREW, "x" * 50 + "\u0661", ""],
)
def test_a_paragraph_is_isolated_exactly_when_one_of_its_characters_reorders(
    paragraph: str,
) -> None:
    reorders = any(unicodedata.bidirectional(char) in _REORDERING for char in paragraph)
    assert (isolate(paragraph) == f"{FSI}{paragraph}{PDI}") is reorders


def _message_by(display_name: str) -> MessagePosted:
    actor = Member(user_id="U-1", display_name=display_name)
    return MessagePosted(
        community_id="console:c",
        event_id="e",
        actor=actor,
        channel_id="c",
        message_ref="m",
        text="plain words",
    )


def test_an_event_with_nothing_to_normalise_is_not_copied_and_one_with_something_is() -> None:
    plain = _message_by("Jo")
    assert normalised(plain) is plain
    form = FormSubmitted(
        community_id="console:c",
        event_id="f",
        actor=plain.actor,
        form_id="rb:form:setback",
        values={"title": "Froze", "body": "plain words"},
    )
    assert normalised(form) is form
    clean = normalised(_message_by("J\x07o"))
    assert clean.actor == plain.actor and clean.text == "plain words"
