"""Forms that could not open in time, kept so a button can open them later.

Slack's `trigger_id` lives 3 s. When the core took longer (a slow database), `views.open`
is refused; the member then gets a private button that opens the same form with the fresh
trigger of their click. The forms are kept in this process only: a click that reaches
another replica, or comes after a restart, is told to start again.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict

from bot.api import Button, Form, Message

OPENER_PREFIX = "rb-open:"
# Enough for every form refused in the last few minutes of a busy workspace.
KEPT_FORMS = 500
EXPIRED_TRIGGER_ERRORS = frozenset({"expired_trigger_id", "exchanged_trigger_id"})


class FormOpeners:
    def __init__(self, capacity: int = KEPT_FORMS) -> None:
        self._capacity = capacity
        self._forms: OrderedDict[str, tuple[str, Form]] = OrderedDict()
        self._keys = itertools.count(1)

    def offer(self, user_id: str, form: Form) -> Message:
        """Keep `form` for `user_id`; the message whose button opens it."""
        key = str(next(self._keys))
        self._forms[key] = (user_id, form)
        while len(self._forms) > self._capacity:
            self._forms.popitem(last=False)
        button = Button(label=form.title, action_id=f"{OPENER_PREFIX}{key}", style="primary")
        return Message(text=form.title, buttons=(button,))

    def take(self, action_id: str, user_id: str) -> Form | None:
        """The form behind an opener button, if kept here and offered to `user_id`."""
        kept = self._forms.get(action_id.removeprefix(OPENER_PREFIX))
        if kept is None or kept[0] != user_id:
            return None
        return kept[1]
