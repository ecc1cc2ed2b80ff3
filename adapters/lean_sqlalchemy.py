"""SQLAlchemy's asyncio engine without its ORM session, for a faster start.

Importing `sqlalchemy.ext.asyncio` imports its `AsyncSession`, and through it the whole
ORM: 6% of a start's import work, for names Rebound never uses (the store runs
Core statements on connections). `load_engine_without_session` registers the package
holding only its engine and results; the first use of any other of its names
(`AsyncSession`, `async_sessionmaker`, ...) runs the package's own `__init__`, which loads
the rest as usual. A process that imported the package already is left as it is.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable
from importlib.abc import Loader
from types import ModuleType

PACKAGE = "sqlalchemy.ext.asyncio"
# The package's names that need no ORM, by the submodule defining them.
WITHOUT_ORM = {
    "engine": (
        "AsyncConnection",
        "AsyncEngine",
        "AsyncTransaction",
        "async_engine_from_config",
        "create_async_engine",
        "create_async_pool_from_url",
    ),
    "result": ("AsyncMappingResult", "AsyncResult", "AsyncScalarResult", "AsyncTupleResult"),
}


def load_engine_without_session() -> None:
    """Register `sqlalchemy.ext.asyncio` with its engine and results only (see above)."""
    if PACKAGE in sys.modules:
        return
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.loader is None:
        raise ImportError(f"{PACKAGE} cannot be found", name=PACKAGE)
    package = importlib.util.module_from_spec(spec)
    sys.modules[PACKAGE] = package
    try:
        for submodule, names in WITHOUT_ORM.items():
            module = importlib.import_module(f"{PACKAGE}.{submodule}")
            for name in names:
                setattr(package, name, getattr(module, name))
    except BaseException:
        del sys.modules[PACKAGE]
        raise
    # Through setattr: mypy takes a module's `__getattr__` for a method.
    setattr(package, "__getattr__", _completing(package, spec.loader))  # noqa: B010


def _completing(package: ModuleType, loader: Loader) -> Callable[[str], object]:
    """The package's `__getattr__` until its `__init__` has run: runs it, once."""

    def complete(name: str) -> object:
        delattr(package, "__getattr__")
        loader.exec_module(package)
        return getattr(package, name)

    return complete
