"""Errors the core reports to members in friendly words (by content key)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Offer:
    """A button a refusal offers instead: its label's content key and its action id."""

    label_key: str
    action_id: str


class RuleViolation(Exception):
    """A member asked for something the rules do not allow; nothing was changed.

    `key` names a message in content/, `params` fill it. `field` ties the
    problem to a form field, so adapters can show it beside that field. `offers` are
    buttons shown with the explanation (what the member may do instead).
    """

    def __init__(
        self,
        key: str,
        field: str | None = None,
        offers: tuple[Offer, ...] = (),
        **params: object,
    ) -> None:
        super().__init__(key)
        self.key = key
        self.field = field
        self.offers = offers
        self.params: Mapping[str, object] = params


class FormInvalid(Exception):
    """A submitted form had one or more bad fields: field name -> RuleViolation."""

    def __init__(self, problems: Mapping[str, RuleViolation]) -> None:
        super().__init__(", ".join(sorted(problems)))
        self.problems = problems
