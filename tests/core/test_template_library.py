"""The template library's content: every variant renders, and bad YAML fails fast, naming
the file, the line and the problem."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.words.content import ContentError, load_content, packaged_content
from bot.words.templates.loading import parse_library, parse_snippet
from bot.words.templates.model import MAX_PLACEHOLDERS, REGISTERS
from bot.words.templates.rendering import MissingValues, render, sample_values

LIBRARY = load_content().templates()

SITUATIONS_FROM_THE_ISSUE = {
    "thank_you_after_interview",
    "thank_you_after_rejection",
    "asking_for_feedback",
    "second_conversation_request",
    "second_conversation_phone",
    "keep_me_in_mind",
    "keep_in_touch_update",
    "recruiter_ghosted",
    "reapplying",
    "note_to_self",
}


def test_the_library_covers_every_situation_people_need() -> None:
    keys = {t.key for t in LIBRARY.templates}
    assert len(keys) >= 10
    assert keys >= SITUATIONS_FROM_THE_ISSUE


@pytest.mark.parametrize("template", LIBRARY.templates, ids=lambda t: t.key)
def test_every_template_is_described_and_offers_the_registers(template) -> None:  # type: ignore[no-untyped-def]
    assert template.when and template.title
    assert LIBRARY.situation_title(template.situation)
    assert 0 < len(template.placeholders) <= MAX_PLACEHOLDERS
    for placeholder in template.placeholders:
        assert placeholder.description and placeholder.example and placeholder.label
    if template.key != "note_to_self":  # a note to oneself has no reader to suit
        assert {v.register for v in template.variants} == set(REGISTERS)
    for variant in template.variants:
        assert bool(variant.subject) == (variant.channel == "email"), variant


@pytest.mark.parametrize(
    ("template", "variant"),
    [(t, v) for t in LIBRARY.templates for v in t.variants],
    ids=lambda x: getattr(x, "key", None) or f"{x.channel}-{x.register}",
)
def test_every_variant_renders_with_sample_values(template, variant) -> None:  # type: ignore[no-untyped-def]
    values = sample_values(template)
    rendered = render(template, variant, values)
    assert "{" not in rendered.text and "}" not in rendered.text
    assert "{" not in rendered.subject
    used = [p for p in template.placeholders if f"{{{p.name}}}" in variant.text]
    for placeholder in used:
        assert placeholder.example in rendered.text
    optional = {p.name: "" for p in template.placeholders if not p.required}
    without_optional = render(template, variant, {**values, **optional})
    assert "{" not in without_optional.text
    assert len(without_optional.text) <= len(rendered.text)


def test_an_empty_optional_placeholder_drops_its_line_and_a_required_one_is_needed() -> None:
    template = parse_snippet(
        "id: tiny\ntitle: Tiny\nwhen: Tests\n"
        "placeholders:\n"
        "  name: {label: Name, description: Who, example: Ana}\n"
        "  phone: {label: Phone, description: How, example: '123', required: false}\n"
        "variants:\n"
        "  - channel: chat\n    register: warm\n"
        '    text: "Hi {name},\\nCall me on {phone}.\\nBye"\n',
        LIBRARY,
    )
    variant = template.variants[0]
    assert render(template, variant, {"name": "Ana", "phone": ""}).text == "Hi Ana,\nBye"
    assert "Call me on 9" in render(template, variant, {"name": "Ana", "phone": "9"}).text
    with pytest.raises(MissingValues) as missing:
        render(template, variant, {"name": " "})
    assert missing.value.names == ("name",)


GOOD = """\
placeholders:
  role: {label: Role, description: The job, example: Analyst}
situations:
  - {id: after, title: After}
templates:
  - id: first
    situation: after
    title: First
    when: Always
    placeholders:
      role: required
    variants:
      - channel: email
        register: formal
        subject: About {role}
        text: Dear team, about the {role} role.
"""


@pytest.mark.parametrize(
    ("change", "line", "problem"),
    [
        (lambda t: t.replace("the {role} role", "the {rol} role"), 16, "undeclared placeholder"),
        (lambda t: t.replace("About {role}", "About {team}"), 15, "undeclared placeholder"),
        (lambda t: t + t[t.index("  - id: first") :], 17, "duplicate template id"),
        (lambda t: t.replace("register: formal", "register: posh"), 14, "unknown register"),
        (lambda t: t.replace("channel: email", "channel: fax"), 13, "unknown channel"),
        (lambda t: t.replace("situation: after", "situation: later"), 7, "unknown situation"),
        (lambda t: t.replace("role: required", "salary: required"), 11, "not a shared one"),
        (
            lambda t: t.replace("    when: Always\n", "    when: Always\n    colour: red\n"),
            10,
            "unknown field",
        ),
        (lambda t: t.replace("role: {label: Role, ", "role: {"), 2, "label"),
        (lambda t: t.replace("title: First", "title: First\n    title: Again"), 9, "duplicate key"),
        (
            lambda t: t + "      - channel: email\n        register: formal\n        text: Hi\n",
            17,
            "duplicate variant",
        ),
        (lambda t: t.replace("id: first", "id: First Template"), 6, "lower_snake_case"),
    ],
)
def test_bad_templates_fail_naming_file_line_and_problem(change, line: int, problem: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ContentError) as caught:
        parse_library(change(GOOD), "content/xx/templates.yaml")
    message = str(caught.value)
    assert message.startswith(f"content/xx/templates.yaml:{line}:"), message
    assert problem in message


def test_more_placeholders_than_a_form_holds_are_refused() -> None:
    names = [f"p{i}" for i in range(MAX_PLACEHOLDERS + 1)]
    shared = "".join(f"  {n}: {{label: L, description: D, example: E}}\n" for n in names)
    declared = "".join(f"      {n}: required\n" for n in names)
    text = GOOD.replace("  role: {label: Role, description: The job, example: Analyst}\n", shared)
    text = text.replace("      role: required\n", declared).replace("{role}", "{p0}")
    with pytest.raises(ContentError, match="at most 5"):
        parse_library(text, "t.yaml")


def _english_copy(tmp_path: Path) -> Path:
    (tmp_path / "en").mkdir()
    for name in ("messages.yaml", "words.yaml", "templates.yaml"):
        source = packaged_content() / "en" / name
        (tmp_path / "en" / name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    return tmp_path


def test_start_up_fails_on_a_bad_template_file(tmp_path: Path) -> None:
    root = _english_copy(tmp_path)
    path = root / "en" / "templates.yaml"
    path.write_text(path.read_text("utf-8").replace("{organisation}", "{organization}", 1), "utf-8")
    with pytest.raises(ContentError, match=r"templates\.yaml:\d+: template .*undeclared"):
        load_content(root)
    path.unlink()
    with pytest.raises(ContentError, match="template library is missing"):
        load_content(root)


def test_a_locale_missing_templates_falls_back_to_english_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = _english_copy(tmp_path)
    (root / "fr").mkdir()
    (root / "fr" / "messages.yaml").write_text("form.setback.submit: Publier\n", "utf-8")
    (root / "fr" / "templates.yaml").write_text(
        GOOD.replace("id: first", "id: thank_you_after_interview").replace("First", "Merci"),
        "utf-8",
    )
    with caplog.at_level(logging.WARNING):
        content = load_content(root)
    french = content.templates("fr")
    own = french.get("thank_you_after_interview")
    assert own is not None and own.title == "Merci"
    borrowed = french.get("keep_me_in_mind")
    assert borrowed == LIBRARY.get("keep_me_in_mind")
    assert "template keep_me_in_mind missing in locale fr" in caplog.text
    assert content.templates("de") is content.templates("en")


def test_content_check_exits_non_zero_naming_the_template_problem(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from adapters.cli import app

    root = _english_copy(tmp_path)
    runner = CliRunner()
    assert runner.invoke(app, ["content", "check", str(root)]).exit_code == 0
    path = root / "en" / "templates.yaml"
    path.write_text(path.read_text("utf-8").replace("register: warm", "register: posh", 1), "utf-8")
    result = runner.invoke(app, ["content", "check", str(root)])
    assert result.exit_code == 1
    assert "templates.yaml:" in result.output and "unknown register 'posh'" in result.output
