"""Every word the bot says: loaded from content/<locale>/*.yaml, validated, rendered by key.

The repository's content/ folder is installed as the package `bot._content` and read through
importlib.resources, so it is found in a wheel, a zip or an editable install alike. A
community's own folder (`REBOUND_CONTENT_DIR`) is laid over it key by key.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable

from bot.domain.member_text import shown
from bot.words.located_yaml import ContentError, Located, load_located, placeholders_of
from bot.words.parsed_cache import cached_parse
from bot.words.templates.loading import parse_library
from bot.words.templates.model import Library
from bot.words.wording import CATALOGUE, WORD_LISTS

__all__ = ["Content", "ContentError", "load_content", "packaged_content"]

log = logging.getLogger(__name__)

PACKAGE = "bot._content"
DEFAULT_LOCALE = "en"
MESSAGE_FILE = "messages.yaml"
WORDS_FILE = "words.yaml"
TEMPLATES_FILE = "templates.yaml"
RENDERED_KEPT = 4096
"""Texts kept rendered for their key, locale and text parameters (labels, details, names
repeat from post to post); emptied when full, so memory never grows with members' words."""


@dataclass(frozen=True)
class _Entry:
    text: str
    placeholders: frozenset[str]
    where: str


def packaged_content() -> Traversable:
    """The words and templates Rebound ships (the repository's content/ folder)."""
    return resources.files(PACKAGE)


def _load_mapping(path: Traversable) -> Located:
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
        self._plain_texts: dict[tuple[str, str], str] = {}
        self._rendered: dict[tuple[object, ...], str] = {}

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
        if not params:
            return self._plain(key, locale)
        if not all(type(value) is str for value in params.values()):
            return self._render(key, locale, params)  # 1 and True are equal, not alike
        kept = (key, locale, *params.items())
        found = self._rendered.get(kept)
        if found is None:
            found = self._render(key, locale, params)
            if len(self._rendered) >= RENDERED_KEPT:
                self._rendered.clear()
            self._rendered[kept] = found
        return found

    def _plain(self, key: str, locale: str) -> str:
        """A message without parameters: the same text every time, rendered once."""
        found = self._plain_texts.get((key, locale))
        if found is None:
            found = self._plain_texts[(key, locale)] = self._render(key, locale, {})
        return found

    def _render(self, key: str, locale: str, params: dict[str, object]) -> str:
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


def _load_locale(folder: Traversable, complete: bool) -> dict[str, _Entry]:
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


def _load_words(folder: Traversable, complete: bool) -> dict[str, tuple[str, ...]]:
    path = folder / WORDS_FILE
    data = _load_mapping(path)
    for name in data.keys() - WORD_LISTS:
        raise ContentError(f"{path}:{data.line_of(name)}: unknown word list {name!r}")
    words: dict[str, tuple[str, ...]] = {}
    for name in WORD_LISTS:
        value = data.get(name)
        if value is None and not complete:
            continue
        if not isinstance(value, list) or not value or not all(isinstance(w, str) for w in value):
            raise ContentError(f"{path}:{data.line_of(name)}: {name} must be a non-empty list")
        words[name] = tuple(value)
    return words


def _locale_folders(root: Traversable) -> list[Traversable]:
    folders = (f for f in root.iterdir() if f.is_dir() and not f.name.startswith(("_", ".")))
    return sorted(folders, key=lambda folder: folder.name)


def load_content(root: Traversable | None = None, overrides: Traversable | None = None) -> Content:
    """Load and validate every locale of `root` (the packaged content unless given), then lay
    a community's `overrides` folder on top: its messages replace the ones with the same key,
    its templates the ones with the same id, its word lists the ones with the same name.

    English must be complete in `root`; overrides may hold any part of any locale, and go
    through the same checks. Other locales fall back to English with a warning.
    """
    root = root or packaged_content()
    parsed = cached_parse(root, "content", _Parsed, lambda: _parse(root))
    messages = {locale: dict(entries) for locale, entries in parsed.messages.items()}
    words = dict(parsed.words)
    libraries = dict(parsed.libraries)
    if overrides is not None:
        _lay_over(overrides, messages, words, libraries)
    english_library = libraries[DEFAULT_LOCALE]
    complete = {
        locale: _with_fallback(locale, libraries.get(locale), english_library)
        for locale in messages.keys() | libraries.keys()
    }
    return Content(messages, words, complete)


@dataclass(frozen=True)
class _Parsed:
    """A content folder read and checked, before any community's folder is laid over it."""

    messages: Mapping[str, Mapping[str, _Entry]]
    words: Mapping[str, tuple[str, ...]]
    libraries: Mapping[str, Library]


def _parse(root: Traversable) -> _Parsed:
    english = root / DEFAULT_LOCALE
    if not english.is_dir():
        raise ContentError(f"{english}: the default locale folder is missing")
    messages = {
        folder.name: _load_locale(folder, complete=folder.name == DEFAULT_LOCALE)
        for folder in _locale_folders(root)
        if (folder / MESSAGE_FILE).is_file()
    }
    words = _load_words(english, complete=True)
    libraries = {
        folder.name: library
        for folder in _locale_folders(root)
        if (library := _load_library(folder)) is not None
    }
    if DEFAULT_LOCALE not in libraries:
        raise ContentError(f"{english / TEMPLATES_FILE}: the template library is missing")
    return _Parsed(messages, words, libraries)


def _lay_over(
    overrides: Traversable,
    messages: dict[str, dict[str, _Entry]],
    words: dict[str, tuple[str, ...]],
    libraries: dict[str, Library],
) -> None:
    """Apply a community's folder to what was loaded, checking it as it goes."""
    if not overrides.is_dir():
        raise ContentError(f"{overrides}: the community content folder is missing")
    for folder in _locale_folders(overrides):
        locale = folder.name
        if (folder / MESSAGE_FILE).is_file():
            messages[locale] = {**messages.get(locale, {}), **_load_locale(folder, complete=False)}
        if locale == DEFAULT_LOCALE and (folder / WORDS_FILE).is_file():
            words.update(_load_words(folder, complete=False))
        base = libraries.get(locale)
        own = _load_library(folder, base or libraries[DEFAULT_LOCALE])
        if own is not None:
            libraries[locale] = own.over(base) if base else own


def _load_library(folder: Traversable, base: Library | None = None) -> Library | None:
    path = folder / TEMPLATES_FILE
    if not path.is_file():
        return None
    return parse_library(path.read_text(encoding="utf-8"), str(path), base)


def _with_fallback(locale: str, library: Library | None, english: Library) -> Library:
    """A locale's templates, with English ones standing in (and a warning) for any missing."""
    if locale == DEFAULT_LOCALE:
        return english
    if library is None:
        log.warning("content: no %s in locale %s; using %s", TEMPLATES_FILE, locale, DEFAULT_LOCALE)
        return english
    for template in english.templates:
        if library.get(template.key) is None:
            log.warning(
                "content: template %s missing in locale %s; using %s",
                template.key,
                locale,
                DEFAULT_LOCALE,
            )
    return library.over(english)
