"""Every word the bot says: loaded from content/<locale>/*.yaml, validated, rendered by key."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.located_yaml import ContentError, Located, load_located, placeholders_of
from bot.member_text import shown
from bot.templates.loading import parse_library
from bot.templates.model import Library
from bot.wording import CATALOGUE, WORD_LISTS

__all__ = ["Content", "ContentError", "default_content_dir", "load_content"]

log = logging.getLogger(__name__)

DEFAULT_LOCALE = "en"
MESSAGE_FILE = "messages.yaml"
WORDS_FILE = "words.yaml"
TEMPLATES_FILE = "templates.yaml"


@dataclass(frozen=True)
class _Entry:
    text: str
    placeholders: frozenset[str]
    where: str


def default_content_dir() -> Path:
    """content/ beside the installed packages (the repository root, or /app in the image)."""
    return Path(__file__).resolve().parent.parent / "content"


def _load_mapping(path: Path) -> Located:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as problem:
        raise ContentError(f"{path}: {problem}") from None
    return load_located(text, str(path))


class Content:
    """Validated messages and word lists for every locale found under the content folder."""

    def __init__(
        self,
        messages: Mapping[str, Mapping[str, _Entry]],
        words: Mapping[str, tuple[str, ...]],
        libraries: Mapping[str, Library],
    ) -> None:
        self._messages = messages
        self._words = words
        self._libraries = libraries
        self._warned: set[tuple[str, str]] = set()

    @property
    def locales(self) -> tuple[str, ...]:
        return tuple(sorted(self._messages))

    def words(self, name: str) -> tuple[str, ...]:
        return self._words[name]

    def templates(self, locale: str = DEFAULT_LOCALE) -> Library:
        """The built-in template library of `locale`, English where it has none."""
        return self._libraries.get(locale) or self._libraries[DEFAULT_LOCALE]

    def render(self, key: str, locale: str = DEFAULT_LOCALE, **params: object) -> str:
        """The text of `key` in `locale` (falling back to English), filled with `params`.

        Every text parameter is taken as a member's (a title, a name, a value) and shown
        through `member_text.shown`: it cannot ping, and its direction controls stay inside
        it. This is the one place member words meet the bot's sentences, for every adapter.
        """
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
            filled = {n: _shown(params[n]) for n in entry.placeholders}
            return entry.text.format_map(filled).strip()
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


def _shown(value: object) -> object:
    return shown(value) if isinstance(value, str) else value


def _load_locale(folder: Path, complete: bool) -> dict[str, _Entry]:
    path = folder / MESSAGE_FILE
    data = _load_mapping(path)
    entries: dict[str, _Entry] = {}
    for key, value in data.items():
        where = f"{path}:{data.line_of(key)}"
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
    data = _load_mapping(path)
    words: dict[str, tuple[str, ...]] = {}
    for name in WORD_LISTS:
        value = data.get(name)
        if not isinstance(value, list) or not value or not all(isinstance(w, str) for w in value):
            raise ContentError(f"{path}: {name} must be a non-empty list of words")
        words[name] = tuple(value)
    for name in data.keys() - WORD_LISTS:
        raise ContentError(f"{path}:{data.line_of(name)}: unknown word list {name!r}")
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
    english_library = _load_library(english)
    if english_library is None:
        raise ContentError(f"{english / TEMPLATES_FILE}: the template library is missing")
    libraries = {DEFAULT_LOCALE: english_library}
    for locale in messages.keys() - {DEFAULT_LOCALE}:
        libraries[locale] = _with_fallback(locale, _load_library(root / locale), english_library)
    return Content(messages, _load_words(english), libraries)


def _load_library(folder: Path) -> Library | None:
    path = folder / TEMPLATES_FILE
    if not path.is_file():
        return None
    return parse_library(path.read_text(encoding="utf-8"), str(path))


def _with_fallback(locale: str, library: Library | None, english: Library) -> Library:
    """A locale's templates, with English ones standing in (and a warning) for any missing."""
    if library is None:
        log.warning("content: no %s in locale %s; using %s", TEMPLATES_FILE, locale, DEFAULT_LOCALE)
        return english
    own = {t.key for t in library.templates}
    borrowed = tuple(t for t in english.templates if t.key not in own)
    for template in borrowed:
        log.warning(
            "content: template %s missing in locale %s; using %s",
            template.key,
            locale,
            DEFAULT_LOCALE,
        )
    own_situations = {s.id for s in library.situations}
    return Library(
        situations=library.situations
        + tuple(s for s in english.situations if s.id not in own_situations),
        templates=library.templates + borrowed,
        shared_placeholders={**english.shared_placeholders, **library.shared_placeholders},
    )
