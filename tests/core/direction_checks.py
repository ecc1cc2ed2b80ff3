"""An independent reading of the Unicode bidi rules: does a text let a direction control
act beyond the member text it came in?"""

from __future__ import annotations

import re
from dataclasses import fields, is_dataclass
from typing import Any

from bot.contract.intents import LOCAL_ONLY

EMBEDDINGS = frozenset("\u202a\u202b\u202d\u202e")  # LRE RLE LRO RLO
PDF = "\u202c"
ISOLATES = frozenset("\u2066\u2067\u2068")  # LRI RLI FSI
PDI = "\u2069"


def direction_leak(text: str) -> str | None:
    """Why `text` is unsafe, or None. Rebound's own words carry no direction control, so
    every embedding or override must sit inside an isolate, and every paragraph must end
    with nothing left open and no closer that closed nothing."""
    for paragraph in re.split("[\n\u2029]", text):
        open_: list[str] = []
        for char in paragraph:
            if char in EMBEDDINGS:
                if not any(o in ISOLATES for o in open_):
                    return f"unisolated {char!r} in {paragraph!r}"
                open_.append(char)
            elif char in ISOLATES:
                open_.append(char)
            elif char == PDF:
                if not open_ or open_[-1] not in EMBEDDINGS:
                    return f"stray PDF in {paragraph!r}"
                open_.pop()
            elif char == PDI:
                if not open_ or open_[-1] not in ISOLATES:
                    return f"unbalanced PDI in {paragraph!r}"
                open_.pop()
        if open_:
            return f"{open_!r} left open in {paragraph!r}"
    return None


def texts_in(value: Any) -> list[str]:
    """Every string inside an intent (messages, labels, titles, names), however nested, that
    a platform is given: a message's content key and params stay in the core."""
    if isinstance(value, str):
        return [value]
    if is_dataclass(value) and not isinstance(value, type):
        sent = (f for f in fields(value) if f.metadata != LOCAL_ONLY)
        return [t for f in sent for t in texts_in(getattr(value, f.name))]
    if isinstance(value, dict):
        return [t for item in value.items() for t in texts_in(item)]
    if isinstance(value, list | tuple | frozenset | set):
        return [t for item in value for t in texts_in(item)]
    return []
