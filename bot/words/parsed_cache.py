"""Parsed content kept beside the bytecode, so a start neither parses YAML nor imports it.

Reading and checking the packaged content/ folder costs a start more than the words are
worth (the YAML parser's import, then thousands of nodes checked against the catalogue).
What it produces is pickled in the folder's bytecode cache (its `__pycache__`, or under
PYTHONPYCACHEPREFIX), where Python keeps the compiled code it trusts just as much; it is
written only where bytecode would be (never under PYTHONDONTWRITEBYTECODE), and read back
only by the same Python while every file it came from is unchanged (their contents are
hashed): the folder's files, and the modules of this package that parse them.
Anything else (a folder in a zip, a cache that is missing, stale, unreadable or not
writable) parses the folder as before.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import pickle
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

log = logging.getLogger(__name__)

FORMAT = 1
READABLE = 0o644
_PARSERS = Path(__file__).resolve().parent  # bot/words: what turns the files into values
_T = TypeVar("_T")

Key = tuple[object, ...]


def cached_parse(folder: object, name: str, kind: type[_T], parse: Callable[[], _T]) -> _T:
    """`parse()`, or what it gave when it last ran on the same files of `folder`.

    `name` tells this cache from others of the same folder; what is read back must be a
    `kind`.
    """
    if not isinstance(folder, Path):
        return parse()
    where = cache_file(folder, name)
    if where is None:
        return parse()
    key = sources_key(folder)
    found = _read(where, key, kind)
    if found is not None:
        return found
    parsed = parse()
    if not sys.dont_write_bytecode:
        _write(where, key, parsed)
    return parsed


def cache_file(folder: Path, name: str) -> Path | None:
    """Where `folder`'s bytecode would go, for a file called `name` (None: this Python
    keeps no bytecode cache)."""
    tag = sys.implementation.cache_tag
    if tag is None:
        return None
    compiled = Path(importlib.util.cache_from_source(str(folder / "__init__.py")))
    return compiled.parent / f"rebound-{name}.{tag}.pickle"


def sources_key(folder: Path) -> Key:
    """What the parsed values depend on: this Python, and the content of each file of
    `folder` and of the parsing modules (by content, not modification time: files
    rewritten within the same clock tick keep their time)."""
    digest = hashlib.blake2b(digest_size=32)
    for root, pattern in ((folder, "*"), (_PARSERS, "*.py")):
        for path in sorted(root.rglob(pattern)):
            inside = path.relative_to(root)
            if "__pycache__" in inside.parts or not path.is_file():
                continue
            digest.update(f"{root.name}/{inside}".encode())
            digest.update(path.read_bytes())
    return (FORMAT, sys.hexversion, str(folder), digest.hexdigest())


def _read(where: Path, key: Key, kind: type[_T]) -> _T | None:
    try:
        with where.open("rb") as file:
            stored_key, value = pickle.load(file)  # trusted as bytecode is (above)
    except FileNotFoundError:
        return None
    except Exception as problem:  # any damage means parsing again
        log.debug("parsed content cache %s unreadable: %s", where, type(problem).__name__)
        return None
    if stored_key != key or not isinstance(value, kind):
        return None
    return value


def _write(where: Path, key: Key, value: object) -> None:
    try:
        replace_file(where, pickle.dumps((key, value), protocol=pickle.HIGHEST_PROTOCOL))
    except OSError as problem:  # a read-only install: parse at each start, as before
        log.debug("parsed content cache %s not written: %s", where, problem)


def replace_file(where: Path, data: bytes) -> None:
    """Write `data` to `where` whole, readable by all as bytecode is (a cache written when
    an image is built is read by its own user): processes starting together never see half
    a file."""
    where.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=where.parent, prefix=f".{where.name}.")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.chmod(temporary, READABLE)
        os.replace(temporary, where)
    except BaseException:
        os.unlink(temporary)
        raise
