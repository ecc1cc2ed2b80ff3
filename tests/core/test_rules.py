"""Pure domain rules: validation of what members send, and who may mark best answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.errors import FormInvalid, RuleViolation
from bot.domain.model import Member, OutcomeResult, SetbackKind, Stage
from bot.domain.rules import (
    BODY_MAX,
    TITLE_MAX,
    normalise_tags,
    outcome_ask_time,
    parse_outcome_form,
    parse_setback_form,
    pseudonym_for,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_a_complete_form_becomes_a_draft() -> None:
    draft = parse_setback_form(
        {
            "title": "  Froze on the case study ",
            "body": "I lost the thread halfway.",
            "stage": "panel",
            "kind": "went_badly",
            "tags": "Nerves, #case-study, nerves",
            "anonymous": "yes",
            "ask_outcome_on": "2026-03-20",
        },
        NOW,
        default_days=14,
    )
    assert draft.title == "Froze on the case study"
    assert draft.stage is Stage.PANEL
    assert draft.kind is SetbackKind.WENT_BADLY
    assert draft.tags == ("nerves", "case-study")
    assert draft.anonymous is True
    assert draft.ask_outcome_at == datetime(2026, 3, 20, 9, 0, tzinfo=UTC)


def test_the_outcome_ask_defaults_to_fourteen_days() -> None:
    draft = parse_setback_form({"title": "t", "body": "b"}, NOW, default_days=14)
    assert draft.ask_outcome_at == NOW + timedelta(days=14)
    assert draft.anonymous is False


def test_every_bad_field_is_reported_at_once() -> None:
    with pytest.raises(FormInvalid) as caught:
        parse_setback_form(
            {
                "title": "x" * (TITLE_MAX + 1),
                "body": "   ",
                "stage": "lunch",
                "tags": "a,b,c,d,e,f",
                "ask_outcome_on": "yesterday",
            },
            NOW,
            default_days=14,
        )
    problems = caught.value.problems
    assert set(problems) == {"title", "body", "stage", "tags", "ask_outcome_on"}
    assert problems["title"].key == "error.field_too_long"
    assert problems["title"].params == {"limit": TITLE_MAX, "length": TITLE_MAX + 1}
    assert problems["body"].key == "error.field_empty"
    assert problems["stage"].key == "error.unknown_choice"
    assert problems["tags"].key == "error.too_many_tags"
    assert problems["ask_outcome_on"].key == "error.bad_ask_date"


def test_the_body_limit_is_eight_thousand_characters() -> None:
    ok = parse_setback_form({"title": "t", "body": "b" * BODY_MAX}, NOW, 14)
    assert len(ok.body) == BODY_MAX
    with pytest.raises(FormInvalid):
        parse_setback_form({"title": "t", "body": "b" * (BODY_MAX + 1)}, NOW, 14)


@pytest.mark.parametrize("raw", ["2026-03-01", "0d", "400d", "not a date", "2030-01-01"])
def test_outcome_ask_dates_must_be_in_a_sensible_future(raw: str) -> None:
    with pytest.raises(RuleViolation):
        outcome_ask_time(raw, NOW, 14)


def test_days_from_now_are_accepted() -> None:
    assert outcome_ask_time("10d", NOW, 14) == NOW + timedelta(days=10)


def test_tags_are_split_on_commas_and_keep_their_words_together() -> None:
    draft = parse_setback_form(
        {"title": "t", "body": "b", "tags": "System design, nerves"}, NOW, 14
    )
    assert draft.tags == ("system-design", "nerves")


def test_tags_are_limited_in_length() -> None:
    with pytest.raises(RuleViolation):
        normalise_tags(["x" * 31])


def test_outcome_form_only_accepts_replies_of_the_thread() -> None:
    with pytest.raises(FormInvalid) as caught:
        parse_outcome_form({"result": "worked", "acted_on": ["99"]}, [])
    assert caught.value.problems["acted_on"].key == "error.unknown_reply"
    report = parse_outcome_form({"result": "partly", "events": ["got_feedback"]}, [])
    assert report.result is OutcomeResult.PARTLY


def test_an_outcome_needs_a_result() -> None:
    with pytest.raises(FormInvalid) as caught:
        parse_outcome_form({"note": "hello"}, [])
    assert caught.value.problems["result"].key == "error.field_empty"


def test_pseudonyms_are_stable_and_vary_between_posts() -> None:
    adjectives, animals = ["Calm", "Bold", "Kind"], ["Owl", "Fox", "Seal", "Wren"]
    first = pseudonym_for("console:a:ev-1", adjectives, animals)
    assert first == pseudonym_for("console:a:ev-1", adjectives, animals)
    assert len({pseudonym_for(f"console:a:ev-{i}", adjectives, animals) for i in range(60)}) > 6


def test_member_is_plain_data() -> None:
    assert Member(user_id="U1", display_name="A") == Member(user_id="U1", display_name="A")
