"""YAML that remembers where things are, so content problems name their file and line."""

from __future__ import annotations

import string
from typing import TYPE_CHECKING, Any

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


if TYPE_CHECKING:
    _SafeLoader = yaml.SafeLoader
else:  # libyaml's parser when the wheel has it: several times faster at start-up
    _SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LocatingLoader(_SafeLoader):
    pass


def _construct_located(loader: _LocatingLoader, node: yaml.MappingNode) -> Located:
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


_LocatingLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_located,
)


def load_located(text: str, source: str) -> Located:
    """Parse `text` (named `source` in errors) into a mapping of mappings that know lines."""
    try:
        data = yaml.load(text, Loader=_LocatingLoader)  # a SafeLoader subclass
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
