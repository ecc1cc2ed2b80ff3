"""The crisis screen's word lists, read from content/<locale>/care.yaml and checked.

A community's content folder may replace any list of any locale (a list replaces the list
of the same name; `resources` replaces countries one by one). A locale without its own
file uses English.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources.abc import Traversable

from bot.common.settings import CoreSettings
from bot.words.content import DEFAULT_LOCALE, packaged_content
from bot.words.located_yaml import ContentError, Located, load_located

CARE_FILE = "care.yaml"
LISTS = ("phrases", "idioms", "negations")
DEFAULT_REGION = "default"


@dataclass(frozen=True)
class Lexicon:
    phrases: tuple[str, ...]
    idioms: tuple[str, ...]
    negations: tuple[str, ...]
    spellings: Mapping[str, str]
    resources: Mapping[str, tuple[str, ...]]

    def resources_for(self, country: str) -> tuple[str, ...]:
        """The places to reach in `country` (a code such as GB), or the default list."""
        return self.resources.get(country.strip().upper()) or self.resources[DEFAULT_REGION]


def _texts(value: object, where: str, name: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise ContentError(f"{where}: {name} must be a non-empty list")
    if not all(isinstance(item, str) and item.strip() for item in value):
        raise ContentError(f"{where}: every entry of {name} must be a non-empty text")
    return tuple(value)


def _read(folder: Traversable) -> Located | None:
    path = folder / CARE_FILE
    if not path.is_file():
        return None
    return load_located(path.read_text(encoding="utf-8"), str(path))


def _parts(data: Located, where: str) -> dict[str, object]:
    """The lists and mappings of one care.yaml, checked; absent ones left out."""
    unknown = data.keys() - {*LISTS, "spellings", "resources"}
    for name in sorted(unknown):
        raise ContentError(f"{where}:{data.line_of(name)}: unknown care list {name!r}")
    parts: dict[str, object] = {}
    for name in LISTS:
        if name in data:
            parts[name] = _texts(data[name], f"{where}:{data.line_of(name)}", name)
    if "spellings" in data:
        spellings = data["spellings"]
        line = f"{where}:{data.line_of('spellings')}"
        if not isinstance(spellings, dict) or not all(
            isinstance(v, str) and v.strip() for v in spellings.values()
        ):
            raise ContentError(f"{line}: spellings must map words to non-empty texts")
        parts["spellings"] = {str(k): v for k, v in spellings.items()}
    if "resources" in data:
        resources = data["resources"]
        line = f"{where}:{data.line_of('resources')}"
        if not isinstance(resources, dict):
            raise ContentError(f"{line}: resources must map country codes to lists")
        parts["resources"] = {
            str(code).upper() if code != DEFAULT_REGION else DEFAULT_REGION: _texts(
                items, line, f"resources.{code}"
            )
            for code, items in resources.items()
        }
    return parts


def _merged(base: dict[str, object], over: dict[str, object]) -> dict[str, object]:
    merged = {**base, **over}
    if "resources" in base and "resources" in over:
        merged["resources"] = {**base["resources"], **over["resources"]}  # type: ignore[dict-item]
    return merged


def _lexicon(parts: dict[str, object], where: str) -> Lexicon:
    missing = [name for name in (*LISTS, "spellings", "resources") if name not in parts]
    if missing:
        raise ContentError(f"{where}: missing care list(s): {', '.join(missing)}")
    resources = parts["resources"]
    assert isinstance(resources, dict)
    if DEFAULT_REGION not in resources:
        raise ContentError(f"{where}: resources need a {DEFAULT_REGION!r} list")
    return Lexicon(
        phrases=parts["phrases"],  # type: ignore[arg-type]
        idioms=parts["idioms"],  # type: ignore[arg-type]
        negations=parts["negations"],  # type: ignore[arg-type]
        spellings=parts["spellings"],  # type: ignore[arg-type]
        resources=resources,
    )


def load_lexicons(
    root: Traversable | None = None, overrides: Traversable | None = None
) -> dict[str, Lexicon]:
    """Every locale's lists (English complete; others and overrides laid over English)."""
    root = root or packaged_content()
    english_data = _read(root / DEFAULT_LOCALE)
    where = str(root / DEFAULT_LOCALE / CARE_FILE)
    if english_data is None:
        raise ContentError(f"{where}: the crisis screen's word lists are missing")
    english = _parts(english_data, where)
    found: dict[str, dict[str, object]] = {DEFAULT_LOCALE: english}
    folders = [root, overrides] if overrides is not None else [root]
    for base in folders:
        for folder in sorted(base.iterdir(), key=lambda f: f.name):
            if not folder.is_dir() or folder.name.startswith(("_", ".")):
                continue
            data = _read(folder)
            if data is None or (base is root and folder.name == DEFAULT_LOCALE):
                continue
            parts = _parts(data, str(folder / CARE_FILE))
            found[folder.name] = _merged(found.get(folder.name, english), parts)
    return {locale: _lexicon(parts, f"{locale}/{CARE_FILE}") for locale, parts in found.items()}


@functools.cache
def community_lexicons() -> dict[str, Lexicon]:
    """The packaged lists with the community's folder (`REBOUND_CONTENT_DIR`) laid over."""
    overrides = CoreSettings().content_dir
    return load_lexicons(overrides=overrides)
