"""YAML that remembers where things are, so content problems name their file and line."""

from __future__ import annotations

import functools
import string
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import yaml


class ContentError(Exception):
    """Content is missing, malformed, or does not match the catalogue."""


class Located(dict[str, Any]):
    """A YAML mapping that knows its own line and the line of each of its keys."""

    line: int
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class _DuplicateKey(Exception):
    def __init__(self, key: str, line: int) -> None:
        super().__init__(key)
        self.key = key
        self.line = line


@functools.cache
def _locating_loader() -> type[yaml.SafeLoader]:
    """A safe loader building `Located` mappings; made (and YAML imported) on first use, as
    a start from cached content needs neither (bot/words/parsed_cache.py)."""
    import yaml  # noqa: PLC0415

    # libyaml's parser when the wheel has it: several times faster at start-up.
    safe_loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class LocatingLoader(safe_loader):  # type: ignore[valid-type,misc]
        pass

    def construct_located(loader: yaml.SafeLoader, node: yaml.MappingNode) -> Located:
        mapping = Located()
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {}
        loader.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = str(loader.construct_object(key_node, deep=True))
            line = key_node.start_mark.line + 1
            if key in mapping.key_lines:
                raise _DuplicateKey(key, line)
            mapping.key_lines[key] = line
            mapping[key] = loader.construct_object(value_node, deep=True)
        return mapping

    mapping_tag = yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG
    LocatingLoader.add_constructor(mapping_tag, construct_located)
    return LocatingLoader


def load_located(text: str, source: str) -> Located:
    """Parse `text` (named `source` in errors) into a mapping of mappings that know lines."""
    import yaml  # noqa: PLC0415  (see _locating_loader)

    try:
        data = yaml.load(text, Loader=_locating_loader())  # a SafeLoader subclass
    except _DuplicateKey as duplicate:
        raise ContentError(f"{source}:{duplicate.line}: duplicate key {duplicate.key!r}") from None
    except yaml.YAMLError as problem:
        raise ContentError(f"{source}: {problem}") from None
    if not isinstance(data, Located):
        raise ContentError(f"{source}: expected a mapping")
    return data


def placeholders_of(text: str, where: str) -> frozenset[str]:
    """The `{names}` a text uses; a malformed or non-plain placeholder is a content error."""
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as problem:
        raise ContentError(f"{where}: malformed placeholder: {problem}") from None
    for name in fields:
        if not name.isidentifier():
            raise ContentError(f"{where}: placeholder {{{name}}} must be a plain name")
    return frozenset(fields)
