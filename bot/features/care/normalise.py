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

Every message goes through this, so the steps work on the whole text at once, as a line of
words joined by single spaces, with a few passes of C code (regular expressions, `replace`)
rather than a Python loop over characters or words; a step rarely needed runs only when a
quick search finds something it could change.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

BOUNDARY = "."
_LEET_DIGITS = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t"})
_LEET_SIGNS = {"@": "a", "$": "s", "!": "i", "|": "l", "+": "t"}
_APOSTROPHES = re.compile(r"['\u2019\u02bc`]")
_REPEATED = re.compile(r"(.)(?=\1)")  # a character the same one follows
_SPELLED_OUT_MIN = 3  # "k i l l": three letters or more one by one

# `[^\W_]` is exactly `str.isalnum`. A word: letters and digits, with the leet signs that
# touch the letter or digit after them ("$uicide"). A boundary: a sentence mark not
# followed by a letter or digit ("k.i.l.l" is one word spelled out, not four sentences).
_WORD_OR_BOUNDARY = re.compile(r"(?:[@$!|+]?[^\W_]+)+|\.(?![^\W_])")
_PLAIN_WORD_OR_BOUNDARY = re.compile(r"[^\W_]+|\.(?![^\W_])")  # the same, with no leet sign
# For a text all ASCII with no leet sign (most), the same with no regular expression:
# every byte but letters, digits and "." reads as a space, a "." before a letter or digit
# too; each "." left is a boundary.
_ASCII_SPACES = bytes(c if chr(c).isalnum() or chr(c) == BOUNDARY else 32 for c in range(256))
_DOT_IN_WORD = re.compile(r"\.(?=[^\W_])", re.ASCII)
# Marks that only ever end sentences: each reads as ".". A "!" also reads as "i" in a word.
_MARKS = ("?", ";", ",", "\n")
_LONE_BANG = re.compile(r"!(?![^\W_])")
_LEET_SIGN = re.compile(r"[@$!|+]")
_BOUNDARY_RUN = re.compile(r"\.(?: \.)+")  # one boundary for "?!..." and the like
# A digit next to a letter (or another character of a word that is not a digit): a word
# with a digit to read as a letter has one.
_DIGIT_IN_WORD = re.compile(r"[0-9](?:(?=[^ 0-9])|(?<=[^ 0-9].))")
_WORD_WITH_LEET_DIGIT = re.compile(r"(?<![^ ])[^ 013457]*[013457][^ ]*")
# Three words of one character in a row (of a line with a space at each end): letters
# spelled out, maybe.
_MAYBE_SPELLED = re.compile(r" [^ ] [^ ] [^ ] ")


def _fold(text: str) -> str:
    if text.isascii():  # casefold is lower, and two of the apostrophes are ASCII
        return text.lower().replace("'", "").replace("`", "")
    decomposed = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _APOSTROPHES.sub("", text.casefold())


def _unleet(word: str) -> str:
    """Digits read as letters in a word that has letters ("k1ll"); alone, a digit stays."""
    if word.isdigit() or not any(c.isalpha() for c in word):
        return word
    return word.translate(_LEET_DIGITS)


def letters_of(text: str) -> str:
    """`text` folded, cut into words and boundaries joined by single spaces, leet read:
    steps 1 to 3, before letters spelled out are joined."""
    folded = _fold(text)
    for mark in _MARKS:
        folded = folded.replace(mark, BOUNDARY)
    if "!" in folded:
        folded = _LONE_BANG.sub(BOUNDARY, folded)
    if _LEET_SIGN.search(folded):
        line = " ".join(_WORD_OR_BOUNDARY.findall(folded))
        for sign, letter in _LEET_SIGNS.items():
            line = line.replace(sign, letter)
    elif folded.isascii():
        line = _ascii_words(folded)
    else:
        line = " ".join(_PLAIN_WORD_OR_BOUNDARY.findall(folded))
    if ". ." in line:
        line = _BOUNDARY_RUN.sub(BOUNDARY, line)
    if _DIGIT_IN_WORD.search(line):
        line = _WORD_WITH_LEET_DIGIT.sub(lambda found: _unleet(found[0]), line)
    return line


def _ascii_words(folded: str) -> str:
    spaced = folded.encode("ascii").translate(_ASCII_SPACES).decode("ascii")
    if BOUNDARY in spaced:
        spaced = _DOT_IN_WORD.sub(" ", spaced).replace(BOUNDARY, " . ")
    return " ".join(spaced.split())


def _split(line: str) -> list[str]:
    return line.split(" ") if line else []


def _maybe_spelled(letters: str) -> bool:
    return _MAYBE_SPELLED.search(f" {letters} ") is not None


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
    return _REPEATED.sub("", word)


def normal_words(letters: str, spellings: Mapping[str, tuple[str, ...]] | None = None) -> list[str]:
    """The words (and `.` for sentence boundaries) in normal form of the `letters_of` a
    text: steps 4 to 6."""
    if _maybe_spelled(letters):
        letters = " ".join(_join_spelled_out(_split(letters)))
    # Words never hold a space and never touch: squeezing the line squeezes each word.
    words = _split(squeeze(letters))
    if spellings and not spellings.keys().isdisjoint(words):
        return [meant for word in words for meant in spellings.get(word, (word,))]
    return words


def words_of(text: str, spellings: Mapping[str, tuple[str, ...]] | None = None) -> list[str]:
    """`text` in normal form, as words (and `.` for sentence boundaries)."""
    return normal_words(letters_of(text), spellings)


def spelled_out(letters: str) -> list[str]:
    """Runs of letters written one by one ("I W A N T T O D I E" -> "iwantodie"), squeezed,
    for phrases spelled out whole: their word breaks are lost, so they are matched squashed.
    `letters`: the `letters_of` a text."""
    return spelled_runs(_split(letters)) if _maybe_spelled(letters) else []


def spelled_runs(words: list[str]) -> list[str]:
    """The runs of three letters or more of `words` (words of one letter), squeezed."""
    runs: list[str] = []
    run: list[str] = []
    for word in [*words, ""]:
        if len(word) == 1 and word.isalpha():
            run.append(word)
            continue
        if len(run) >= _SPELLED_OUT_MIN:
            runs.append(squeeze("".join(run)))
        run = []
    return runs
