"""Alembic environment: runs on the connection that bot.store.migrate hands over."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy.engine import Connection

from bot.store.library_search import is_search_table
from bot.store.tables import schema


def _include_object(_item: Any, name: str | None, kind: str, *_: Any) -> bool:
    """The library's full-text index is each engine's own (bot/store/library_search.py):
    made by its migration, never proposed for removal."""
    return not (kind == "table" and name is not None and is_search_table(name))


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=schema(),
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=_include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `rebound migrate` (bot.store.migrate)")
_run(connection)
