"""Every word comes from content/: the catalogue and the YAML agree, and every key renders."""

from __future__ import annotations

import ast
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.words import content as content_module
from bot.words.content import ContentError, load_content, packaged_content
from bot.words.wording import CATALOGUE

ROOT = Path(__file__).resolve().parents[2]


def test_every_message_key_renders_with_sample_values() -> None:
    content = load_content()
    for key, params in CATALOGUE.items():
        samples: dict[str, object] = {name: f"<{name}>" for name in params}
        if "date" in samples:
            samples["date"] = datetime(2026, 3, 16, 9, tzinfo=UTC)
        text = content.render(key, "en", **samples)
        assert text, key
        assert not any(f"{{{name}}}" in text for name in params), key


def _copy_english(tmp_path: Path) -> Path:
    (tmp_path / "en").mkdir()
    for name in ("messages.yaml", "words.yaml", "templates.yaml"):
        source = packaged_content() / "en" / name
        (tmp_path / "en" / name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    return tmp_path / "en" / "messages.yaml"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda t: t.replace("form.setback.submit: Post it\n", ""), "missing message key"),
        (lambda t: t + "\nnot.a.key: Hello\n", "unknown message key"),
        (lambda t: t + "\nform.setback.submit: Again\n", "duplicate key"),
        (
            lambda t: t.replace("relay.done: Passed on", "relay.done: Passed {who} on"),
            "unknown placeholder",
        ),
        (lambda t: t + "\n  : : bad yaml [", "messages.yaml"),
    ],
)
def test_bad_content_fails_fast_naming_the_file(tmp_path: Path, change, problem: str) -> None:  # type: ignore[no-untyped-def]
    messages = _copy_english(tmp_path)
    messages.write_text(change(messages.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_content(tmp_path)
    assert problem in str(caught.value)
    assert "messages.yaml" in str(caught.value)


def test_a_missing_key_in_another_locale_falls_back_to_english(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _copy_english(tmp_path)
    (tmp_path / "fr").mkdir()
    (tmp_path / "fr" / "messages.yaml").write_text("form.setback.submit: Publier\n", "utf-8")
    content = load_content(tmp_path)
    assert content.render("form.setback.submit", "fr") == "Publier"
    with caplog.at_level(logging.WARNING):
        assert content.render("form.setback.title", "fr") == "Share a setback"
    assert "missing in locale fr" in caplog.text


def test_render_rejects_params_the_catalogue_does_not_declare() -> None:
    content = load_content()
    with pytest.raises(ContentError):
        content.render("relay.done", title="t", extra="x")
    with pytest.raises(ContentError):
        content.render("relay.done")


def test_a_rendered_text_is_kept_for_its_words_and_no_more_than_so_many(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    content = load_content()
    once = content.render("relay.done", "en", title="<@U1> asked")
    assert content.render("relay.done", "en", title="<@U1> asked") is once  # kept
    assert content.render("relay.done", "en", title="Other") != once
    # Equal but not alike: only text parameters are kept, so True never reads as 1.
    assert "True" in content.render("relay.which", "en", count=True)
    assert "1" in content.render("relay.which", "en", count=1)
    monkeypatch.setattr(content_module, "RENDERED_KEPT", 3)
    for n in range(10):
        content.render("relay.done", "en", title=f"title {n}")
    assert len(content._rendered) <= 3


def _not_for_members(tree: ast.AST) -> set[int]:
    """Strings no member reads: docstrings, log lines, assertion and exception messages
    (those go to operators and to whoever edits content/, never into a message)."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        ):
            skipped.add(id(node.body[0].value))
        logged = (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in {"log", "logger", "logging"}
        )
        # A refusal (RuleViolation) is worded from its key; other exceptions never reach members.
        raised = isinstance(node, ast.Raise) and "RuleViolation" not in ast.unparse(node)
        if logged or raised or isinstance(node, ast.Assert):
            skipped.update(id(inner) for inner in ast.walk(node))
    return skipped


def _string_literals_in_services() -> list[str]:
    """String constants in the core's use cases that a member could read."""
    literals: list[str] = []
    for path in (ROOT / "bot" / "features").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skipped = _not_for_members(tree)
        literals.extend(
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in skipped
        )
    return literals


def test_the_check_of_service_copy_reads_the_feature_code() -> None:
    """The scan below must see code: a moved folder would make it pass vacuously."""
    assert len(_string_literals_in_services()) > 200


def test_no_service_speaks_words_outside_the_catalogue() -> None:
    """A literal with words and spaces in a service would be copy that bypassed content/."""
    suspicious = [
        text
        for text in _string_literals_in_services()
        if " " in text.strip() and any(c.isalpha() for c in text)
    ]
    assert suspicious == []


def test_every_catalogue_key_is_used_by_the_code() -> None:
    """Keys no code renders are copy nobody sees; choice and form words are named by prefix.
    Adapters render a few themselves (setting a community up inside the chat)."""
    source = "".join(
        path.read_text(encoding="utf-8")
        for folder in ("bot", "adapters")
        for path in (ROOT / folder).rglob("*.py")
        if path.name != "wording.py"
    )
    by_prefix = (
        "stage.",
        "kind.",
        "result.",
        "event.",
        "field.",
        "form.",
        "channel.",
        "register.",
        "setup.field.",
    )
    unused = [
        key
        for key in CATALOGUE
        if not key.startswith(by_prefix) and f'"{key}"' not in source and f"'{key}'" not in source
    ]
    assert unused == []
