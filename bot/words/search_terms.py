"""A search to plain words: lower-cased, accents kept, stop words dropped. Any text,
including FTS or SQL syntax (quotes, `*`, `NEAR`, `-`, `:`, brackets), is only ever a
list of words made of letters and digits, which bot/store/library_search.py quotes for
its engine."""

from __future__ import annotations

import re

WORD_MAX = 40
QUERY_WORDS_MAX = 12
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


def query_words(text: str) -> list[str]:
    """The distinct words of a search, lower-cased, stop words dropped, at most
    QUERY_WORDS_MAX (a 500-character search is still a handful of index look-ups). Only
    letters and digits survive: the index's own stemmer (FTS5 porter, PostgreSQL english)
    does the rest, the same for the indexed text and the search."""
    words = (w.casefold() for w in _WORD.findall(text))
    kept = (w[:WORD_MAX] for w in words if len(w) > 1 and w not in _STOP)
    return list(dict.fromkeys(kept))[:QUERY_WORDS_MAX]
