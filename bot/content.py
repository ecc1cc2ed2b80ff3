"""Every word the bot says: loaded from content/<locale>/*.yaml, validated, rendered by key."""

from __future__ import annotations

import logging
import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.wording import CATALOGUE, WORD_LISTS

log = logging.getLogger(__name__)

DEFAULT_LOCALE = "en"
MESSAGE_FILE = "messages.yaml"
WORDS_FILE = "words.yaml"


class ContentError(Exception):
    """Content is missing, malformed, or does not match the catalogue."""


@dataclass(frozen=True)
class _Entry:
    text: str
    placeholders: frozenset[str]
    where: str


def default_content_dir() -> Path:
    """content/ beside the installed packages (the repository root, or /app in the image)."""
    return Path(__file__).resolve().parent.parent / "content"


def placeholders_of(text: str, where: str) -> frozenset[str]:
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as problem:
        raise ContentError(f"{where}: malformed placeholder: {problem}") from None
    for name in fields:
        if not name.isidentifier():
            raise ContentError(f"{where}: placeholder {{{name}}} must be a plain name")
    return frozenset(fields)


def _load_mapping(path: Path) -> tuple[dict[str, object], dict[str, int]]:
    """Parse a YAML mapping and remember each top-level key's line, for error messages."""
    try:
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except (OSError, yaml.YAMLError) as problem:
        raise ContentError(f"{path}: {problem}") from None
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        raise ContentError(f"{path}: expected a mapping of keys to texts")
    lines: dict[str, int] = {}
    for key_node, _ in node.value:
        key = str(key_node.value)
        if key in lines:
            raise ContentError(f"{path}:{key_node.start_mark.line + 1}: duplicate key {key!r}")
        lines[key] = key_node.start_mark.line + 1
    return {str(k): v for k, v in data.items()}, lines


class Content:
    """Validated messages and word lists for every locale found under the content folder."""

    def __init__(
        self,
        messages: Mapping[str, Mapping[str, _Entry]],
        words: Mapping[str, tuple[str, ...]],
    ) -> None:
        self._messages = messages
        self._words = words
        self._warned: set[tuple[str, str]] = set()

    @property
    def locales(self) -> tuple[str, ...]:
        return tuple(sorted(self._messages))

    def words(self, name: str) -> tuple[str, ...]:
        return self._words[name]

    def render(self, key: str, locale: str = DEFAULT_LOCALE, **params: object) -> str:
        """The text of `key` in `locale` (falling back to English), filled with `params`."""
        declared = CATALOGUE.get(key)
        if declared is None:
            raise ContentError(f"no message key {key!r} in the catalogue")
        missing = declared - params.keys()
        extra = params.keys() - declared
        if missing or extra:
            raise ContentError(
                f"{key}: params do not match the catalogue: missing {sorted(missing)}, "
                f"unexpected {sorted(extra)}"
            )
        entry = self._entry(key, locale)
        try:
            return entry.text.format_map({n: params[n] for n in entry.placeholders}).strip()
        except (ValueError, TypeError) as problem:
            raise ContentError(f"{entry.where}: {key} could not be filled: {problem}") from None

    def _entry(self, key: str, locale: str) -> _Entry:
        localised = self._messages.get(locale, {})
        if key in localised:
            return localised[key]
        if (locale, key) not in self._warned:
            self._warned.add((locale, key))
            log.warning("content: %s missing in locale %s; using %s", key, locale, DEFAULT_LOCALE)
        return self._messages[DEFAULT_LOCALE][key]


def _load_locale(folder: Path, complete: bool) -> dict[str, _Entry]:
    path = folder / MESSAGE_FILE
    data, lines = _load_mapping(path)
    entries: dict[str, _Entry] = {}
    for key, value in data.items():
        where = f"{path}:{lines[key]}"
        if key not in CATALOGUE:
            raise ContentError(f"{where}: unknown message key {key!r}")
        if not isinstance(value, str) or not value.strip():
            raise ContentError(f"{where}: {key} must be a non-empty text")
        used = placeholders_of(value, where)
        unknown = used - CATALOGUE[key]
        if unknown:
            raise ContentError(
                f"{where}: {key} uses unknown placeholder(s) {sorted(unknown)}; "
                f"it may use {sorted(CATALOGUE[key]) or 'none'}"
            )
        entries[key] = _Entry(value, used, where)
    if complete:
        missing = sorted(CATALOGUE.keys() - entries.keys())
        if missing:
            raise ContentError(f"{path}: missing message key(s): {', '.join(missing)}")
    return entries


def _load_words(folder: Path) -> dict[str, tuple[str, ...]]:
    path = folder / WORDS_FILE
    data, lines = _load_mapping(path)
    words: dict[str, tuple[str, ...]] = {}
    for name in WORD_LISTS:
        value = data.get(name)
        if not isinstance(value, list) or not value or not all(isinstance(w, str) for w in value):
            raise ContentError(f"{path}: {name} must be a non-empty list of words")
        words[name] = tuple(value)
    for name in data.keys() - WORD_LISTS:
        raise ContentError(f"{path}:{lines[name]}: unknown word list {name!r}")
    return words


def load_content(root: Path | None = None) -> Content:
    """Load and validate all locales; English must be complete, others may fall back."""
    root = root or default_content_dir()
    english = root / DEFAULT_LOCALE
    if not english.is_dir():
        raise ContentError(f"{english}: the default locale folder is missing")
    messages = {
        folder.name: _load_locale(folder, complete=folder.name == DEFAULT_LOCALE)
        for folder in sorted(root.iterdir())
        if (folder / MESSAGE_FILE).is_file()
    }
    return Content(messages, _load_words(english))
