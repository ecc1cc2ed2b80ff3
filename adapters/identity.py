"""Which Rebound this is: its version, and whether `bot` and `adapters` are Rebound's own.

The version has one source, the installed package metadata (pyproject.toml's `version`):
`rebound --version` prints it and the adapters send it in their User-Agent.

Rebound installs two generic top-level packages, `bot` and `adapters`. Another distribution
(or a folder earlier on sys.path) with one of those names would shadow or overwrite them and
fail later in obscure ways; each of Rebound's carries a marker so the CLI can say so at start.
"""

from __future__ import annotations

import importlib
from importlib import metadata

DISTRIBUTION = "rebound"
OWN_PACKAGES = ("bot", "adapters")


def rebound_version() -> str:
    return metadata.version(DISTRIBUTION)


def user_agent() -> str:
    """The product token Rebound adds to the platform SDKs' own User-Agent."""
    return f"Rebound/{rebound_version()}"


def foreign_packages() -> list[str]:
    """One sentence per top-level package that is not Rebound's (none when all is well)."""
    problems: list[str] = []
    for name in OWN_PACKAGES:
        try:
            module = importlib.import_module(name)
        except ImportError as problem:
            problems.append(f"the package {name!r} cannot be imported: {problem}")
            continue
        if getattr(module, "DISTRIBUTION", None) != DISTRIBUTION:
            where = getattr(module, "__file__", None) or ", ".join(getattr(module, "__path__", []))
            problems.append(
                f"the package {name!r} imported from {where} is not Rebound's: another "
                f"installed package or a folder on the Python path has the same name"
            )
    return problems
