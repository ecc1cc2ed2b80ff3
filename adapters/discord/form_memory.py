"""The forms a member was shown, kept briefly so they can be opened again.

A modal cannot answer a modal: when a submission is refused, or a form came too late to
be the interaction's answer, the member gets a button that reopens it, filled with what
they typed, so a bad answer loses nothing. Memory only: after a restart the member starts
the form again.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import replace

from bot.api import Form

KEPT = 1000


class FormMemory:
    def __init__(self, kept: int = KEPT) -> None:
        self._forms: OrderedDict[tuple[str, str], Form] = OrderedDict()
        self._kept = kept

    def remember(self, user_id: str, form: Form) -> None:
        key = (user_id, form.form_id)
        self._forms[key] = form
        self._forms.move_to_end(key)
        while len(self._forms) > self._kept:
            self._forms.popitem(last=False)

    def recall(self, user_id: str, form_id: str) -> Form | None:
        return self._forms.get((user_id, form_id))

    def fill(self, user_id: str, form_id: str, values: Mapping[str, str | Sequence[str]]) -> None:
        """Keep what the member typed as the form's initial values, for reopening it."""
        form = self.recall(user_id, form_id)
        if form is None:
            return
        fields = tuple(
            replace(f, initial=_initial(values[f.name])) if f.name in values else f
            for f in form.fields
        )
        self.remember(user_id, replace(form, fields=fields))


def _initial(value: str | Sequence[str]) -> str | tuple[str, ...]:
    return value if isinstance(value, str) else tuple(value)
