"""A community's folder (REBOUND_CONTENT_DIR) laid over the packaged content, key by key."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from adapters.cli import app
from bot.common.clock import ManualClock
from bot.engine.bootstrap import build_rebound
from bot.words.content import ContentError, load_content, packaged_content
from bot.words.wording import WORD_LISTS

PACKAGED = load_content()
PACKAGED_LIBRARY = PACKAGED.templates()

# Uses the packaged situations and shared placeholders; replaces one template, adds one.
TEMPLATES = """\
templates:
  - id: thank_you_after_interview
    situation: after_interview
    title: Thanks, our way
    when: The day after.
    placeholders:
      interviewer_name: required
    variants:
      - channel: email
        register: warm
        subject: Thanks
        text: Cheers, {interviewer_name}.
  - id: community_extra
    situation: months_later
    title: Our own
    when: Whenever.
    variants:
      - channel: note
        register: warm
        text: Keep going.
"""


def _write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path


def test_the_packaged_content_is_read_through_the_package() -> None:
    assert (packaged_content() / "en" / "messages.yaml").is_file()
    assert PACKAGED.locales == ("en",)


def test_an_overridden_message_replaces_only_its_key(tmp_path: Path) -> None:
    _write(tmp_path, "en/messages.yaml", "form.setback.submit: Share it with us\n")
    content = load_content(overrides=tmp_path)
    assert content.render("form.setback.submit") == "Share it with us"
    assert PACKAGED.render("form.setback.submit") != "Share it with us"
    assert content.render("form.setback.title") == PACKAGED.render("form.setback.title")


def test_an_overridden_template_replaces_only_its_id(tmp_path: Path) -> None:
    _write(tmp_path, "en/templates.yaml", TEMPLATES)
    library = load_content(overrides=tmp_path).templates()
    own = library.get("thank_you_after_interview")
    assert own is not None and own.title == "Thanks, our way"
    assert [p.name for p in own.placeholders] == ["interviewer_name"]
    extra = library.get("community_extra")
    assert extra is not None and library.situation_title(extra.situation) == "Months later"
    packaged_keys = [t.key for t in PACKAGED_LIBRARY.templates]
    assert [t.key for t in library.templates] == [*packaged_keys, "community_extra"]
    untouched = [t for t in library.templates if t.key not in {own.key, extra.key}]
    assert untouched == [t for t in PACKAGED_LIBRARY.templates if t.key != own.key]
    assert library.situations == PACKAGED_LIBRARY.situations


def test_an_overridden_word_list_replaces_only_that_list(tmp_path: Path) -> None:
    _write(tmp_path, "en/words.yaml", "pseudonym_animals: [Axolotl]\n")
    content = load_content(overrides=tmp_path)
    assert content.words("pseudonym_animals") == ("Axolotl",)
    for other in WORD_LISTS - {"pseudonym_animals"}:
        assert content.words(other) == PACKAGED.words(other)


@pytest.mark.parametrize(
    ("relative", "text", "line", "problem"),
    [
        ("en/messages.yaml", "form.setback.title: Hi\nrelay.done: Sent {who}\n", 2, "placeholder"),
        ("en/messages.yaml", "form.setback.title: Hi\nnot.a.key: Hello\n", 2, "unknown message"),
        ("fr/messages.yaml", "form.setback.submit: ''\n", 1, "non-empty text"),
        (
            "en/templates.yaml",
            TEMPLATES.replace("register: warm", "register: posh", 1),
            10,
            "unknown register",
        ),
        (
            "en/templates.yaml",
            TEMPLATES.replace("situation: months_later", "situation: someday"),
            14,
            "unknown situation",
        ),
        ("en/words.yaml", "pseudonym_animals: [Axolotl]\npseudonym_plants: [Fern]\n", 2, "word"),
    ],
)
def test_an_invalid_override_names_its_file_and_line(
    tmp_path: Path, relative: str, text: str, line: int, problem: str
) -> None:
    path = _write(tmp_path, relative, text)
    with pytest.raises(ContentError) as caught:
        load_content(overrides=tmp_path)
    assert str(caught.value).startswith(f"{path}:{line}:"), caught.value
    assert problem in str(caught.value)


def test_a_missing_override_folder_is_a_problem(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match="community content folder is missing"):
        load_content(overrides=tmp_path / "nowhere")


def test_an_overridden_locale_still_falls_back_to_english(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _write(tmp_path, "fr/messages.yaml", "form.setback.submit: Publier\n")
    _write(tmp_path, "fr/templates.yaml", TEMPLATES.replace("Thanks, our way", "Merci"))
    with caplog.at_level(logging.WARNING):
        content = load_content(overrides=tmp_path)
        assert content.render("form.setback.submit", "fr") == "Publier"
        assert content.render("form.setback.title", "fr") == PACKAGED.render("form.setback.title")
    assert content.locales == ("en", "fr")
    assert "form.setback.title missing in locale fr" in caplog.text
    french = content.templates("fr")
    own = french.get("thank_you_after_interview")
    assert own is not None and own.title == "Merci"
    assert french.get("keep_me_in_mind") == PACKAGED_LIBRARY.get("keep_me_in_mind")
    assert "template keep_me_in_mind missing in locale fr" in caplog.text
    assert content.templates("en") == PACKAGED_LIBRARY


async def test_the_core_reads_rebound_content_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    overrides = tmp_path / "community"
    _write(overrides, "en/messages.yaml", "error.unexpected: Our own apology\n")
    monkeypatch.setenv("REBOUND_CONTENT_DIR", str(overrides))
    clock = ManualClock(datetime(2026, 3, 16, tzinfo=UTC))
    core = await build_rebound(f"sqlite+aiosqlite:///{tmp_path / 'r.db'}", clock)
    try:
        assert core.say("slack:T1", "error.unexpected") == "Our own apology"
    finally:
        await core.close()


def test_content_check_reads_rebound_content_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path, "en/messages.yaml", "form.setback.submit: Share it\n")
    monkeypatch.setenv("REBOUND_CONTENT_DIR", str(tmp_path))
    runner = CliRunner()
    result = runner.invoke(app, ["content", "check"])
    assert result.exit_code == 0, result.output
    assert f"with {tmp_path} laid over it" in result.output
    path.write_text("form.setback.submit: Share {it}\n", "utf-8")
    result = runner.invoke(app, ["content", "check"])
    assert result.exit_code == 1
    assert f"{path}:1:" in result.output and "unknown placeholder" in result.output
