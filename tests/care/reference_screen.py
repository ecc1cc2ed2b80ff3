"""The crisis screen's normalisation as first written, character by character and word by
word, with no shortcut: slow and plain, the reference the fast one must equal.

The steps that did not change (reading leet digits in a word, joining letters spelled out,
finding runs of them) are the module's own; what is written here is what the fast path does
differently: folding, cutting words character by character, every step on every word, and
the phrase expression run on every line (no pre-check of the words a phrase needs)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from bot.features.care.normalise import (
    _LEET_SIGNS,
    BOUNDARY,
    _join_spelled_out,
    _unleet,
    spelled_runs,
)
from bot.features.care.screen import CARRIED_WORDS, Hit, Screen

_SENTENCE = frozenset(".!?;,\n")
_APOSTROPHES = re.compile(r"['\u2019\u02bc`]")
_REPEATS = re.compile(r"(.)\1+")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _APOSTROPHES.sub("", text.casefold())


def squeeze(word: str) -> str:
    return _REPEATS.sub(r"\1", word)


def _raw_words(text: str) -> list[str]:
    """Words and boundaries; leet signs stay inside the word they touch."""
    words: list[str] = []
    current = ""
    for index, char in enumerate(text):
        following = text[index + 1] if index + 1 < len(text) else ""
        if char.isalnum():
            current += char
        elif char in _LEET_SIGNS and following.isalnum():
            current += _LEET_SIGNS[char]
        else:
            if current:
                words.append(current)
                current = ""
            # "k.i.l.l" is one word spelled out, not four sentences.
            ends = char in _SENTENCE and not following.isalnum()
            if ends and (not words or words[-1] != BOUNDARY):
                words.append(BOUNDARY)
    if current:
        words.append(current)
    return words


def _letters(text: str) -> list[str]:
    return [_unleet(word) for word in _raw_words(_fold(text))]


def words_of(text: str, spellings: Mapping[str, tuple[str, ...]] | None = None) -> list[str]:
    words: list[str] = []
    for word in _join_spelled_out(_letters(text)):
        short = squeeze(word)
        words.extend(spellings.get(short, (short,)) if spellings else (short,))
    return words


def spelled_out(text: str) -> list[str]:
    return spelled_runs(_letters(text))


def check(screen: Screen, text: str, before: str | None = None) -> Hit | None:
    spellings = screen._spellings
    words = words_of(text, spellings)
    hit = screen._scan(" ".join(words), 0) or screen._squashed_in(spelled_out(text))
    if hit is not None or not before:
        return hit
    carried = [w for w in words_of(before, spellings) if w != BOUNDARY][-CARRIED_WORDS:]
    return screen._scan(" ".join([*carried, *words]), len(" ".join(carried)) + 1)
