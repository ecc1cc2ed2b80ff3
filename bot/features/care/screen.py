"""The crisis screen: a deterministic, explainable phrase matcher (see docs/care.md).

Compiled once per locale: every phrase, idiom and spelling goes through `normalise.words_of`
like the messages it is matched against; the phrases become one regular expression and one
per phrase (to say which matched, on a hit). Before the expression runs, a set test on the
message's words says "no" for almost every message: a phrase can only match a line holding
every word written in it.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.features.care.lexicon import Lexicon, community_lexicons
from bot.features.care.normalise import (
    BOUNDARY,
    letters_of,
    normal_words,
    spelled_out,
    squeeze,
    words_of,
)
from bot.words.content import DEFAULT_LOCALE

GAP = "*"
# "*" in a phrase: up to three words, never across a sentence boundary.
_GAP_PATTERN = r"(?:[^ .]+ ){0,3}"
NEGATION_REACH = 3  # words before a phrase in which a negation denies it
# Words of the previous message joined to a message, for a phrase split across the two.
CARRIED_WORDS = 8
_MASK = "_"
# Squashed phrases shorter than this could hide inside any spelled-out run of letters.
SQUASHED_MIN = 7


@dataclass(frozen=True)
class Hit:
    """Which phrase of the list matched (its text as written in content/)."""

    phrase: str
    index: int


def _parts(phrase: str, spellings: Mapping[str, tuple[str, ...]]) -> list[list[str]]:
    """The words of each piece of `phrase` between its gaps."""
    return [words_of(part, spellings) for part in phrase.split(GAP)]


def _pattern(phrase: str, spellings: Mapping[str, tuple[str, ...]]) -> str:
    parts = [" ".join(words) for words in _parts(phrase, spellings)]
    return (
        (" " + _GAP_PATTERN)
        .join(re.escape(part) for part in parts if part)
        .replace(" " + _GAP_PATTERN + " ", " " + _GAP_PATTERN)
    )


def _bounded(pattern: str) -> str:
    return rf"(?<![^ ])(?:{pattern})(?![^ ])"


class _Needed:
    """The words each phrase needs in a line to match there (all it writes out; gaps take
    any), each phrase filed under one of them, so that a line is tested only against the
    phrases filed under one of its words."""

    def __init__(self, phrases: Iterable[frozenset[str]]) -> None:
        phrases = list(phrases)
        uses = Counter(word for words in phrases for word in words)

        def rarity(word: str) -> tuple[bool, int, int]:
            # Short words are the common ones in any message ("to", "my", "the").
            return len(word) < 4, uses[word], -len(word)

        self._by_word: dict[str, list[frozenset[str]]] = {}
        for words in phrases:
            self._by_word.setdefault(min(words, key=rarity), []).append(words)
        self._filed_under = frozenset(self._by_word)

    def may_match(self, words: list[str]) -> bool:
        """False only when no phrase can match the line of `words`."""
        found = self._filed_under.intersection(words)
        if not found:
            return False
        present = set(words)
        return any(needed <= present for word in found for needed in self._by_word[word])


class Screen:
    def __init__(self, lexicon: Lexicon) -> None:
        spellings = {
            " ".join(words_of(word)): tuple(words_of(meaning))
            for word, meaning in lexicon.spellings.items()
        }
        self._spellings = {k: v for k, v in spellings.items() if (k,) != v}
        patterns = [_pattern(phrase, self._spellings) for phrase in lexicon.phrases]
        needed = [
            frozenset(word for part in _parts(phrase, self._spellings) for word in part)
            for phrase in lexicon.phrases
        ]
        # A phrase of no words (only gaps or punctuation) could match anywhere.
        self._needed = _Needed(needed) if all(needed) else None
        self._last_words = frozenset(
            [words for words in _parts(phrase, self._spellings) if words][-1][-1]
            for phrase in lexicon.phrases
            if any(_parts(phrase, self._spellings))
        )
        self._phrases = lexicon.phrases
        self._each = [re.compile(_bounded(p)) for p in patterns]
        self._any = re.compile(_bounded("|".join(sorted(set(patterns), key=len, reverse=True))))
        idioms = sorted({_pattern(i, self._spellings) for i in lexicon.idioms}, key=len)
        self._idioms = re.compile(_bounded("|".join(reversed(idioms))))
        self._negations = frozenset(w for n in lexicon.negations for w in words_of(n))
        # Phrases without gaps, squashed: for sentences spelled out letter by letter.
        self._squashed = {
            squeeze("".join(words_of(phrase, self._spellings))): index
            for index, phrase in enumerate(lexicon.phrases)
            if GAP not in phrase
        }

    def words(self, text: str) -> list[str]:
        return words_of(text, self._spellings)

    def check(self, text: str, before: str | None = None) -> Hit | None:
        """The first crisis phrase in `text`, or in the last words of `before` (the same
        author's previous message) running on into `text`; None if there is none."""
        hit, words = self.alone(text)
        if hit is not None or not before:
            return hit
        return self.run_on(words, before)

    def alone(self, text: str) -> tuple[Hit | None, list[str]]:
        """The first crisis phrase in `text` by itself, and the text's words (for `run_on`)."""
        letters = letters_of(text)
        words = normal_words(letters, self._spellings)
        return self._first(words, start_at=0) or self._squashed_in(spelled_out(letters)), words

    def may_run_on(self, words: list[str]) -> bool:
        """False only when no phrase can end among `words` (a message's, from `alone`), so
        no previous message can run on into a hit: a match ends with its phrase's last
        written word."""
        return self._needed is None or not self._last_words.isdisjoint(words)

    def run_on(self, words: list[str], before: str) -> Hit | None:
        """The first phrase that starts in the last words of `before` and ends among
        `words` (a message's, from `alone`)."""
        carried = [w for w in self.words(before) if w != BOUNDARY][-CARRIED_WORDS:]
        return self._first([*carried, *words], start_at=len(" ".join(carried)) + 1)

    def _first(self, words: list[str], start_at: int) -> Hit | None:
        if self._needed is not None and not self._needed.may_match(words):
            return None
        return self._scan(" ".join(words), start_at)

    def _scan(self, line: str, start_at: int) -> Hit | None:
        """The first phrase in `line` not denied by a negation, ending after `start_at`."""
        line = self._idioms.sub(lambda m: " ".join(_MASK for _ in m.group().split()), line)
        for found in self._any.finditer(line):
            if found.end() <= start_at or self._denied(line, found.start()):
                continue
            return self._which(found.group())
        return None

    def _squashed_in(self, runs: list[str]) -> Hit | None:
        """The first phrase written whole, squashed, in one of the spelled-out `runs`."""
        for run in runs:
            for squashed, index in self._squashed.items():
                if len(squashed) >= SQUASHED_MIN and squashed in run:
                    return Hit(self._phrases[index], index)
        return None

    def _denied(self, line: str, start: int) -> bool:
        before = line[:start].split()
        reach: list[str] = []
        for word in reversed(before):
            if word == BOUNDARY or len(reach) == NEGATION_REACH:
                break
            reach.append(word)
        return any(word in self._negations for word in reach)

    def _which(self, matched: str) -> Hit:
        for index, pattern in enumerate(self._each):
            if pattern.fullmatch(matched):
                return Hit(self._phrases[index], index)
        raise AssertionError("a match of the union matches one of its phrases")


@functools.cache
def screen_for(locale: str) -> Screen:
    """The compiled screen of `locale` (English where the locale has no lists)."""
    lexicons = community_lexicons()
    return Screen(lexicons.get(locale) or lexicons[DEFAULT_LOCALE])
