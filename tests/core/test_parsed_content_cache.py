"""Parsed content kept beside the bytecode: used while its files are unchanged, never after.

Each test copies the English content into its own folder and keeps the bytecode cache (and
so the parsed content) under its own prefix, with writing allowed as a start allows it.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from bot.words import content as content_module
from bot.words.content import load_content, packaged_content
from bot.words.parsed_cache import cache_file

CHANGED = "form.setback.submit: Post it\n"


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "content"
    shutil.copytree(Path(str(packaged_content() / "en")), root / "en")
    monkeypatch.setattr(sys, "pycache_prefix", str(tmp_path / "pycache"))
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    return root


def _no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(root: object) -> None:
        raise AssertionError(f"{root} parsed again")

    monkeypatch.setattr(content_module, "_parse", refuse)


def _submit_label(root: Path) -> str:
    return load_content(root).render("form.setback.submit")


def test_a_second_load_reads_what_the_first_parsed(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = load_content(folder)
    where = cache_file(folder, "content")

    assert where is not None and where.is_file()
    assert str(where).startswith(sys.pycache_prefix or "")  # beside the bytecode
    _no_parsing(monkeypatch)
    second = load_content(folder)
    assert second.locales == first.locales
    assert second.templates() == first.templates()
    assert second.words("library_topics") == first.words("library_topics")
    assert second.render("form.setback.submit") == first.render("form.setback.submit")


def test_a_changed_file_is_parsed_again(folder: Path) -> None:
    assert _submit_label(folder) == "Post it"
    messages = folder / "en" / "messages.yaml"

    messages.write_text(
        messages.read_text(encoding="utf-8").replace(CHANGED, "form.setback.submit: Send it\n"),
        encoding="utf-8",
    )

    assert _submit_label(folder) == "Send it"


def test_a_file_changed_to_the_same_size_and_time_is_parsed_again(folder: Path) -> None:
    assert _submit_label(folder) == "Post it"
    messages = folder / "en" / "messages.yaml"
    before = messages.stat()

    messages.write_text(
        messages.read_text(encoding="utf-8").replace(CHANGED, "form.setback.submit: Postit!\n"),
        encoding="utf-8",
    )
    os.utime(messages, ns=(before.st_atime_ns, before.st_mtime_ns))  # as if in one tick

    assert messages.stat().st_size == before.st_size
    assert _submit_label(folder) == "Postit!"


def test_a_new_locale_is_parsed_again(folder: Path) -> None:
    assert load_content(folder).locales == ("en",)
    (folder / "fr").mkdir()
    (folder / "fr" / "messages.yaml").write_text("form.setback.submit: Publier\n", encoding="utf-8")

    assert load_content(folder).render("form.setback.submit", "fr") == "Publier"


def test_a_damaged_cache_is_parsed_again_and_replaced(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_content(folder)
    where = cache_file(folder, "content")
    assert where is not None
    where.write_bytes(b"not a pickle")

    assert _submit_label(folder) == "Post it"
    _no_parsing(monkeypatch)
    assert _submit_label(folder) == "Post it"


def test_nothing_is_written_where_bytecode_would_not_be(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)

    assert _submit_label(folder) == "Post it"

    where = cache_file(folder, "content")
    assert where is not None and not where.exists()


def test_a_cache_that_cannot_be_written_still_loads(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("", encoding="utf-8")
    monkeypatch.setattr(sys, "pycache_prefix", str(blocked))  # no folder can be made there

    assert _submit_label(folder) == "Post it"


def test_a_community_folder_is_laid_over_the_cached_content(folder: Path, tmp_path: Path) -> None:
    load_content(folder)
    overrides = tmp_path / "community" / "en"
    overrides.mkdir(parents=True)
    (overrides / "messages.yaml").write_text("form.setback.submit: Share\n", encoding="utf-8")

    laid_over = load_content(folder, overrides=overrides.parent)

    assert laid_over.render("form.setback.submit") == "Share"
    assert _submit_label(folder) == "Post it"  # the cache holds the folder's own words
