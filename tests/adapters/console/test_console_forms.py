"""Form answers: choices by value, label or number; dates as delays; initial values."""

from __future__ import annotations

from datetime import date

import pytest

from adapters.console.forms import (
    AnswerError,
    answer_field,
    describe_field,
    fill_form,
    shown_answer,
)
from bot.contract.intents import Choice, Form, FormField
from tests.adapters.console.console_fakes import SETBACK_FORM

TODAY = date(2026, 3, 2)
STAGE = SETBACK_FORM.fields[2]
PICKS = FormField(
    name="events",
    label="What happened since?",
    kind="multi_choice",
    choices=(
        Choice(value="feedback", label="I got feedback"),
        Choice(value="offer", label="An offer"),
    ),
)


@pytest.mark.parametrize("given", ["panel", "Panel or onsite", "PANEL OR ONSITE", "2", 2])
def test_a_choice_by_value_label_or_number(given: object) -> None:
    assert answer_field(STAGE, given, TODAY) == "panel"


def test_digits_are_positions_even_when_the_values_are_digits() -> None:
    field = FormField(
        name="acted_on",
        label="Acted on",
        kind="multi_choice",
        choices=(Choice(value="2", label="Jo"), Choice(value="4", label="Priya")),
    )
    assert answer_field(field, "1", TODAY) == ("2",)
    assert answer_field(field, [2], TODAY) == ("4",)
    assert answer_field(field, [1, "Priya"], TODAY) == ("2", "4")
    with pytest.raises(AnswerError, match=r"acted_on: there is no choice 4: Jo \(1\), Priya \(2\)"):
        answer_field(field, "4", TODAY)


def test_an_unknown_choice_lists_the_choices_by_label_and_number() -> None:
    with pytest.raises(
        AnswerError,
        match=r"stage: 'onsite' is not one of the choices: Recruiter screen \(1\), "
        r"Panel or onsite \(2\)$",
    ):
        answer_field(STAGE, "onsite", TODAY)


def test_answers_are_shown_by_label() -> None:
    assert shown_answer(STAGE, "panel") == "Panel or onsite"
    assert shown_answer(STAGE, "panel", numbered=True) == "Panel or onsite (2)"
    assert shown_answer(PICKS, ("feedback", "offer")) == "I got feedback, An offer"
    assert shown_answer(SETBACK_FORM.fields[0], "Froze") == "Froze"
    assert shown_answer(STAGE, "") == ""


def test_multi_choice_from_a_list_or_commas() -> None:
    assert answer_field(PICKS, ["offer"], TODAY) == ("offer",)
    assert answer_field(PICKS, "I got feedback, 2", TODAY) == ("feedback", "offer")
    assert answer_field(PICKS, "", TODAY) == ()


@pytest.mark.parametrize(
    ("given", "expected"),
    [("10d", "2026-03-12"), ("+2w", "2026-03-16"), ("2026-04-01", "2026-04-01"), ("", "")],
)
def test_a_date_as_a_day_or_a_delay(given: str, expected: str) -> None:
    assert answer_field(SETBACK_FORM.fields[4], given, TODAY) == expected


def test_a_bad_date_says_how_to_write_one_from_today() -> None:
    later = date(2031, 1, 1)
    with pytest.raises(AnswerError, match="ask_outcome_on: 'soon' is not a date: write 2031-01-11"):
        answer_field(SETBACK_FORM.fields[4], "soon", later)


@pytest.mark.parametrize(
    ("given", "expected"), [(True, "yes"), ("Y", "yes"), (False, "no"), ("", "no")]
)
def test_a_checkbox_is_yes_or_no(given: object, expected: str) -> None:
    assert answer_field(SETBACK_FORM.fields[3], given, TODAY) == expected


def test_a_filled_form_has_every_field_and_rejects_unknown_ones() -> None:
    form = Form(
        form_id="f",
        title="F",
        submit_label="Go",
        fields=(
            FormField(name="note", label="Note", kind="text", initial="hello"),
            PICKS,
        ),
    )
    assert fill_form(form, {"events": "offer"}, TODAY) == {"note": "hello", "events": ("offer",)}
    with pytest.raises(
        AnswerError, match=r"the form 'F' has no field 'titel' \(fields: note, events\)"
    ):
        fill_form(form, {"titel": "x"}, TODAY)


def test_a_field_is_shown_with_its_hint_and_numbered_choices() -> None:
    field = FormField(
        name="stage",
        label="Stage",
        kind="choice",
        required=True,
        hint="pick one",
        choices=STAGE.choices,
    )
    assert describe_field(field) == [
        "Stage *",
        "  (pick one)",
        "  [1] Recruiter screen",
        "  [2] Panel or onsite",
    ]
