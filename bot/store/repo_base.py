"""What every repository of one transaction shares: its connection and dialect."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.rollup_repo import RollupRepo
from bot.store.statements import hot_statements, insert_for


class RepoBase:
    """One transaction's connection, its dialect and the dialect's prepared statements."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._db = connection
        self._dialect = connection.dialect.name
        self._hot = hot_statements(self._dialect)

    @cached_property
    def rollups(self) -> RollupRepo:
        """The web page's counts, kept in step by the writes that change them."""
        return RollupRepo(self._db)

    def _insert(self, table: Table) -> Any:
        return insert_for(self._dialect)(table)
