"""Ranking library hits: text relevance first, lifted by what the poster reported."""

from __future__ import annotations

from bot.domain.model import OutcomeResult
from bot.store.library_repo import Card, Hit

# How much an outcome lifts a hit's text score; acting on the answer counts most.
_LIFT = {OutcomeResult.WORKED.value: 0.5, OutcomeResult.PARTLY.value: 0.2}
_ACTED_LIFT = 0.5


def lift(card: Card | None) -> float:
    """What the thread's poster reported, plus each poster who acted on the answer (in
    their own thread or another) by what they reported."""
    if card is None:
        return 1.0
    gained = _LIFT.get(card.outcome, 0.0) if card.outcome else 0.0
    acted = sum(_LIFT.get(result, 0.0) for result in card.uptake)
    return 1.0 + gained + _ACTED_LIFT * acted * 2


def ranked(hits: list[Hit], cards: dict[int, Card]) -> list[Hit]:
    """Best first; ties keep the store's order (newest first), so ranking is deterministic."""
    order = {hit.featured.id: index for index, hit in enumerate(hits)}
    return sorted(
        hits,
        key=lambda hit: (-hit.score * lift(cards.get(hit.featured.id)), order[hit.featured.id]),
    )
