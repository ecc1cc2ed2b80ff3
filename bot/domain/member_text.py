"""A member's words on their way in (storable) and on their way out (harmless to others).

In: `normalise` makes any text a member gives storable by every database Rebound supports
(PostgreSQL refuses NUL and lone surrogates) without losing what they meant.
Out: `shown` is how a member's text appears in anything Rebound posts: it cannot ping
anyone, and its direction controls cannot reorder the bot's sentence around it.
"""

from __future__ import annotations

import re
import unicodedata

ZERO_WIDTH_SPACE = "\u200b"
REPLACEMENT_CHARACTER = "\ufffd"

# C0 and C1 controls and DEL, except tab and newline (carriage returns become newlines).
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_LINE_BREAKS = re.compile(r"\r\n?")
_SURROGATE = re.compile(r"[\ud800-\udfff]")

# Unicode's explicit direction formatting characters.
_EMBEDDINGS = frozenset("\u202a\u202b\u202d\u202e")  # LRE RLE LRO RLO, closed by PDF
_POP_DIRECTIONAL_FORMATTING = "\u202c"
_ISOLATES = frozenset("\u2066\u2067\u2068")  # LRI RLI FSI, closed by PDI
FIRST_STRONG_ISOLATE = "\u2068"
POP_DIRECTIONAL_ISOLATE = "\u2069"
_DIRECTION_CONTROL = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
# Bidi classes that can move text around them: right-to-left letters, Arabic numbers and
# the explicit controls themselves.
_REORDERING = frozenset(
    {"R", "AL", "AN", "LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"}
)
# Paragraph separators end every embedding and isolate (Unicode bidi rule X8).
_PARAGRAPH = re.compile(r"(\n|\u2029)")
_NOT_ASCII = re.compile(r"[^\x00-\x7f]")

# Slack's special mentions (<!channel>, <!here|here>, <!subteam^ID>), user and channel
# mentions (<@U123>, <#C123>), Discord's (<@123>, <@!123>, <@&123>), and bare @everyone/@here.
_SLACK_OR_DISCORD_MENTION = re.compile(r"<([!@#])([^<>]*)>")
_BARE_BROADCAST = re.compile(r"@(everyone|here|channel|all)\b", re.IGNORECASE)


def normalise(text: str) -> str:
    """`text` as Rebound stores it: controls other than newline and tab removed (a carriage
    return is a newline), lone surrogates replaced with U+FFFD, and NFC."""
    if text.isascii() and not _CONTROLS.search(text):
        return text  # most of what members write: nothing to change (ASCII is NFC already)
    text = _CONTROLS.sub("", _LINE_BREAKS.sub("\n", text))
    if _SURROGATE.search(text):
        # Pairs that arrived as two code points become the one character they encode.
        paired = text.encode("utf-16-le", "surrogatepass")
        text = paired.decode("utf-16-le", "replace")
    return unicodedata.normalize("NFC", text)


def neutralise_mentions(text: str) -> str:
    """Keep the words of a mention but break the syntax that would make it ping."""
    if "<" not in text and "@" not in text:
        return text  # no mention can be written without one of them

    def _spell_out(match: re.Match[str]) -> str:
        sigil, body = match.group(1), match.group(2)
        label = body.split("|", 1)[-1].lstrip("!&^")
        return f"{sigil}{ZERO_WIDTH_SPACE}{label}"

    text = _SLACK_OR_DISCORD_MENTION.sub(_spell_out, text)
    return _BARE_BROADCAST.sub(lambda m: f"@{ZERO_WIDTH_SPACE}{m.group(1)}", text)


def balance_directions(text: str) -> str:
    """`text` with every direction control it opens closed within the same paragraph, and
    every closer that closes nothing of its own dropped: nothing leaks past its end."""
    if not _DIRECTION_CONTROL.search(text):
        return text
    return "".join(
        _balanced_paragraph(part) if index % 2 == 0 else part
        for index, part in enumerate(_PARAGRAPH.split(text))
    )


def _balanced_paragraph(paragraph: str) -> str:
    out: list[str] = []
    open_: list[str] = []  # the openers in force, innermost last
    for char in paragraph:
        if char in _EMBEDDINGS or char in _ISOLATES:
            open_.append(char)
        elif char == _POP_DIRECTIONAL_FORMATTING:
            if not open_ or open_[-1] not in _EMBEDDINGS:
                continue  # a PDF cannot close anything across an isolate
            open_.pop()
        elif char == POP_DIRECTIONAL_ISOLATE:
            if not any(opener in _ISOLATES for opener in open_):
                continue
            while open_.pop() in _EMBEDDINGS:
                out.append(_POP_DIRECTIONAL_FORMATTING)
        out.append(char)
    out.extend(_closer(opener) for opener in reversed(open_))
    return "".join(out)


def _closer(opener: str) -> str:
    return POP_DIRECTIONAL_ISOLATE if opener in _ISOLATES else _POP_DIRECTIONAL_FORMATTING


def isolate(text: str) -> str:
    """Each paragraph of `text`, balanced, inside a first-strong isolate (U+2068 … U+2069)
    when it could reorder the sentence around it; its direction is then its own.

    A paragraph with no right-to-left character and no direction control cannot reorder
    Rebound's left-to-right sentences, so it is left as it is (ids stay copyable).
    """
    return "".join(
        f"{FIRST_STRONG_ISOLATE}{part}{POP_DIRECTIONAL_ISOLATE}"
        if index % 2 == 0 and _could_reorder(part)
        else part
        for index, part in enumerate(_PARAGRAPH.split(balance_directions(text)))
    )


def _could_reorder(paragraph: str) -> bool:
    # No ASCII character reorders: only the others are looked up, each once.
    return not paragraph.isascii() and any(
        unicodedata.bidirectional(char) in _REORDERING
        for char in set(_NOT_ASCII.findall(paragraph))
    )


def shown(text: str) -> str:
    """A member's text as it may appear inside anything Rebound sends."""
    if text.isascii():
        # No ASCII character can reorder a sentence (nor can the zero-width spaces that
        # break mentions): there is nothing to isolate.
        return neutralise_mentions(text)
    return isolate(neutralise_mentions(text))


def shown_within(text: str, limit: int) -> str:
    """`shown(text)` in at most `limit` characters: the text is cut before it is made safe,
    so the cut never leaves a direction control open."""
    cut = text[:limit]
    while len(safe := shown(cut)) > limit:
        cut = cut[: len(cut) - (len(safe) - limit)]
    return safe
