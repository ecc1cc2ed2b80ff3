"""Event ids for reactions, which Discord sends without an id or a time of their own.

A member may take a reaction off and put it back as often as they like, so the message,
member and emoji alone cannot name an event: the second "add" would look like a
redelivery of the first and be dropped. Each turn of a member's reaction on a message (an
add after a remove, or the reverse) gets a new id; the same kind of event again is a
redelivery and keeps the id it had. The ids are opaque: an event id reaches log lines,
and a member's id must not (an anonymous poster may react in their own post).
"""

from __future__ import annotations

import secrets
from collections import OrderedDict

KEPT = 10_000

_Key = tuple[int, int, str]


class ReactionTurns:
    def __init__(self, kept: int = KEPT) -> None:
        # Turns restart with the process; the prefix keeps them apart from earlier runs'.
        self._run = secrets.token_hex(4)
        self._turns = 0
        self._last: OrderedDict[_Key, tuple[str, str]] = OrderedDict()
        self._kept = kept

    def event_id(self, message_id: int, user_id: int, emoji: str, event_type: str) -> str:
        key = (message_id, user_id, emoji)
        last = self._last.get(key)
        if last is not None and last[0] == event_type:
            event_id = last[1]
        else:
            self._turns += 1
            event_id = f"reaction:{message_id}:{self._run}.{self._turns}"
        self._last[key] = (event_type, event_id)
        self._last.move_to_end(key)
        while len(self._last) > self._kept:
            self._last.popitem(last=False)
        return event_id
