"""The crisis screen's fast normalisation and its pre-check of the words a phrase needs
give exactly what the plain, word-by-word screen gives (tests/care/reference_screen.py),
on text mixing the lexicon's own words with leetspeak, spelling out, repeats, spacing,
punctuation and Unicode."""

from __future__ import annotations

import functools
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.features.care.lexicon import Lexicon, load_lexicons
from bot.features.care.normalise import letters_of, spelled_out, words_of
from bot.features.care.screen import Screen, screen_for
from tests.care import reference_screen as reference
from tests.care.care_support import corpus_lines

_LEXICON = load_lexicons()["en"]
_TERMS = sorted(
    {
        *_LEXICON.phrases,
        *_LEXICON.idioms,
        *_LEXICON.negations,
        *_LEXICON.spellings,
        *_LEXICON.spellings.values(),
    }
)
_LEET = {"a": "4@", "e": "3", "i": "1!|", "l": "1|", "o": "0", "s": "5$", "t": "7+"}
_SEPARATORS = [
    " ", "  ", ".", ". ", "!", "! ", "!!", "?!", "...", ",", ";", "\n", "\t", "-", "_", "'",
    "\u2019", "`", "$", "@", "|", "+", "$ ", "@@", "(", ")", "#", "*", "/", " . ", "\u00a0",
    "\u2028", "\x00", "\x1c",
]  # fmt: skip
# Accents, ligatures, fullwidth, dotless and dotted i, numbers that are not digits...
_ODD = [
    "\u00e9", "e\u0301", "\u00c9", "\u00df", "\ufb01", "\uff2b", "\uff0e", "\uff01",
    "\u00b2", "\u00bd", "\u0663", "\u216b", "\u01c5", "\u0131", "\u0130", "\ufb00",
    "\u0301", "\u200b", "\U0001f600", "\u4e2d", "\u0627", "0", "1", "3", "4", "5", "7", "2",
    "9",
]  # fmt: skip


@st.composite
def _typed(draw: st.DrawFn) -> str:
    """A lexicon term as a member might type it: leet, repeats, case, spelled out."""
    term = draw(st.sampled_from(_TERMS))
    if draw(st.booleans()):  # "I W A N T T O D I E": the word breaks lost
        term = term.replace(" ", "")
    letters: list[str] = []
    for char in term:
        leet = char in _LEET and draw(st.integers(0, 4)) == 0
        key = draw(st.sampled_from(_LEET[char])) if leet else char
        letters.extend(key * draw(st.sampled_from([1, 1, 1, 1, 2, 3])))
    spelled = draw(st.sampled_from(["", "", "", " ", ".", "-", " . "]))
    typed = spelled.join(letters) if spelled else "".join(letters)
    return draw(st.sampled_from([typed, typed.upper(), typed.title()]))


_PIECES = st.one_of(
    _typed(),
    st.sampled_from(_SEPARATORS),
    st.sampled_from(_ODD),
    st.text(max_size=4),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz013457 .!$", max_size=8),
)
_TEXTS = st.lists(_PIECES, max_size=12).map("".join)
_EXAMPLES = [
    "",
    "k i l l myself",
    "I W A N T T O D I E",
    "$$uicide!! and a$$b !!a",
    "end.$uicide, wanna d13?! ... k.i.l.l mys3lf",
    "a91 1a 2day 2 u",
    "suicide",
    "I want to\ndie\n\nnot\n  I want to die",
    "I don't want to live anymore",
    "career suicide, and honestly I feel suicidal",
    "\uff2b\uff49\uff4c\uff4c \uff2d\uff39\uff33\uff25\uff2c\uff26\uff01",  # fullwidth
]
_SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _with_examples(test: Callable[..., None], **more: object) -> Callable[..., None]:
    for text in _EXAMPLES:
        test = example(text=text, **more)(test)
    return test


@_SETTINGS
@given(_TEXTS)
@_with_examples
def test_words_are_those_of_the_plain_normalisation(text: str) -> None:
    spellings = screen_for("en")._spellings
    assert words_of(text) == reference.words_of(text)
    assert words_of(text, spellings) == reference.words_of(text, spellings)
    assert spelled_out(letters_of(text)) == reference.spelled_out(text)


@_SETTINGS
@given(_TEXTS, st.one_of(st.none(), _TEXTS))
@example(text="die", before="after that rejection I just want to")
@example(text="thanks for listening", before="I want to die")
@example(text="", before="I just want to die")
@example(text="die", before="")
@functools.partial(_with_examples, before="wanna kill")
def test_the_screen_finds_what_the_plain_screen_finds(text: str, before: str | None) -> None:
    screen = screen_for("en")
    assert screen.check(text, before) == reference.check(screen, text, before)


@_SETTINGS
@given(_TEXTS, _TEXTS)
@example(text="die", before="after that rejection I just want to")
@example(text="thanks for listening", before="I want to die")
@example(text="myself", before="I want to kill")
@functools.partial(_with_examples, before="wanna kill")
def test_the_previous_message_is_skipped_only_when_it_cannot_matter(text: str, before: str) -> None:
    """`screen_reply` reads the author's previous message only when `may_run_on`: a text
    it rules out screens the same with any message before it."""
    screen = screen_for("en")
    hit, words = screen.alone(text)
    assert hit == screen.check(text)
    if hit is None and not screen.may_run_on(words):
        assert reference.check(screen, text, before) is None
    if hit is None and before:
        assert screen.run_on(words, before) == reference.check(screen, text, before)


@pytest.mark.parametrize("name", ["crisis_en.txt", "benign_en.txt"])
def test_the_corpora_screen_as_plainly(name: str) -> None:
    screen = screen_for("en")
    for line in corpus_lines(name):
        assert screen.words(line) == reference.words_of(line, screen._spellings), line
        assert screen.check(line) == reference.check(screen, line), line


@pytest.mark.parametrize("phrase", ["*", "'", "!!"])
def test_a_phrase_of_no_words_is_still_looked_for(phrase: str) -> None:
    """A phrase that normalises to no word, or to a boundary only, must not be ruled out
    by the pre-check."""
    lexicon = Lexicon(
        phrases=(phrase, "kill myself"),
        idioms=_LEXICON.idioms,
        negations=_LEXICON.negations,
        spellings=_LEXICON.spellings,
        resources=_LEXICON.resources,
    )
    screen = Screen(lexicon)
    for text in ["", "hello", "k1ll myself", "a . b", "hi!"]:
        assert screen.check(text) == reference.check(screen, text), text
