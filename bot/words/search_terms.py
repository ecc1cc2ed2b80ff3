"""Words to search terms: lower-cased, accents kept, stop words dropped, a light English
stemmer (so "rejections" finds "rejection"). The same function indexes and queries, so any
text, including FTS or SQL syntax, is only ever a list of plain words."""

from __future__ import annotations

import re
from collections import Counter

TERM_MAX = 40
QUERY_TERMS_MAX = 12
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "from",
        "had",
        "has",
        "have",
        "i",
        "in",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "so",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "they",
        "this",
        "to",
        "was",
        "we",
        "were",
        "what",
        "when",
        "which",
        "who",
        "will",
        "with",
        "you",
        "your",
        "near",
        "not",
    ]
)
# Longest first; a suffix is only removed when at least three letters remain.
_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "edly", "ness", "ed", "es", "ly", "s")


def stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    return word[:TERM_MAX]


def terms(text: str) -> list[str]:
    """The search terms of `text`, in order, repeats kept."""
    words = (w.casefold() for w in _WORD.findall(text))
    return [stem(w) for w in words if len(w) > 1 and w not in _STOP]


def weighted(text: str) -> Counter[str]:
    """How often each term occurs in `text`: what the index stores."""
    return Counter(terms(text))


def query_terms(text: str) -> list[str]:
    """The distinct terms of a search, at most QUERY_TERMS_MAX (a 500-character search is
    still a handful of index look-ups)."""
    return list(dict.fromkeys(terms(text)))[:QUERY_TERMS_MAX]
