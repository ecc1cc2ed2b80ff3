"""Words as the crisis screen reads them: one normal form for members' text and for phrases.

The same steps run over the phrase lists when they are compiled and over every message
screened, so a phrase matches however it was typed:

1. accents dropped and case folded ("Suicidé" -> "suicide");
2. leetspeak read as letters inside words ("k1ll", "$uicide", "d13");
3. apostrophes dropped ("don't" -> "dont"), everything else that is not a letter or a digit
   splits words; sentence punctuation (. ! ? ; , and line breaks) followed by a space or the
   end is kept as a boundary `.`;
4. letters spelled out one by one joined back ("k i l l", "k.i.l.l", "k-i-l-l");
5. runs of one letter shortened to one ("kiiiill" -> "kil", "feel" -> "fel");
6. words replaced from the locale's spellings ("wanna" -> "want to", "sucide" -> "suicide").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

BOUNDARY = "."
_LEET_DIGITS = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t"})
_LEET_SIGNS = {"@": "a", "$": "s", "!": "i", "|": "l", "+": "t"}
_SENTENCE = frozenset(".!?;,\n")
_APOSTROPHES = re.compile(r"['\u2019\u02bc`]")
_REPEATS = re.compile(r"(.)\1+")
_SPELLED_OUT_MIN = 3  # "k i l l": three letters or more one by one


def _fold(text: str) -> str:
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _APOSTROPHES.sub("", text.casefold())


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


def _unleet(word: str) -> str:
    """Digits read as letters in a word that has letters ("k1ll"); alone, a digit stays."""
    if word.isdigit() or not any(c.isalpha() for c in word):
        return word
    return word.translate(_LEET_DIGITS)


def _join_spelled_out(words: list[str]) -> list[str]:
    """ "k i l l myself" -> "kill myself"; "i k i l l" keeps its leading "i" apart."""
    joined: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if len(run) >= _SPELLED_OUT_MIN:
            head = run[0] in {"i", "a"} and len(run) > _SPELLED_OUT_MIN
            joined.extend([run[0], "".join(run[1:])] if head else ["".join(run)])
        else:
            joined.extend(run)
        run.clear()

    for word in words:
        if len(word) == 1 and word.isalpha():
            run.append(word)
            continue
        flush()
        joined.append(word)
    flush()
    return joined


def squeeze(word: str) -> str:
    """Runs of one character shortened to one ("sooo" -> "so")."""
    return _REPEATS.sub(r"\1", word)


def words_of(text: str, spellings: Mapping[str, tuple[str, ...]] | None = None) -> list[str]:
    """`text` in normal form, as words (and `.` for sentence boundaries)."""
    raw = [_unleet(word) for word in _raw_words(_fold(text))]
    words: list[str] = []
    for word in _join_spelled_out(raw):
        short = squeeze(word)
        words.extend(spellings.get(short, (short,)) if spellings else (short,))
    return words


# Three letters (or leet digits) in a row, each alone: worth looking for spelled-out runs.
_MAYBE_SPELLED = re.compile(r"(?<![^\W_])[^\W_][\W_]+[^\W_][\W_]+[^\W_](?![^\W_])")


def spelled_out(text: str) -> list[str]:
    """Runs of letters written one by one ("I W A N T T O D I E" -> "iwantodie"), squeezed,
    for phrases spelled out whole: their word breaks are lost, so they are matched squashed."""
    if not _MAYBE_SPELLED.search(text):
        return []
    runs: list[str] = []
    run: list[str] = []
    for word in [*(_unleet(w) for w in _raw_words(_fold(text))), ""]:
        if len(word) == 1 and word.isalpha():
            run.append(word)
            continue
        if len(run) >= _SPELLED_OUT_MIN:
            runs.append(squeeze("".join(run)))
        run = []
    return runs
