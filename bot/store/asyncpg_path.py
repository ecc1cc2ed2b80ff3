"""Hot statements on PostgreSQL run straight on asyncpg (see `prepared`).

Through SQLAlchemy each statement hops into a greenlet and through the asyncpg adapter's
cursor; here a marked statement's plan binds its values with SQLAlchemy's own type
processors and runs as an asyncpg prepared statement (the adapter's per-connection cache),
inside the transaction `pg_transaction` began. What the plan cannot express on this path
goes through SQLAlchemy as before. Besides one parameter set:

* lists (`IN`): the placeholders for each list's length, as SQLAlchemy renders them;
* several sets of a statement returning no rows: asyncpg sends them all, then waits once;
* several rows of an INSERT returning rows: one multi-row `VALUES`, as SQLAlchemy's own
  batched insert sends (rows back in no set order, as there).
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ClauseElement, Executable
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.util import greenlet_spawn

# The plan's parts shared with the SQLite path (bot/store/prepared.py).
from bot.store import prepared
from bot.store.prepared import _Plan as Plan
from bot.store.prepared import _result as result_of
from bot.store.prepared import _values as values_of

Params = Mapping[str, Any]
STATEMENTS_KEPT = 200
"""The driver statements a connection keeps at most (the adapter caches 100 by default)."""
MAX_BATCHED_PARAMETERS = 30_000
"""Below PostgreSQL's 32,767 parameters a statement."""

_STATUS_COUNT = re.compile(r"(?:SELECT|UPDATE|DELETE|INSERT \d+) (\d+)")
_PLACEHOLDER = re.compile(r"\$(\d+)")
VARIANTS_KEPT = 256
"""SQL kept for lists' lengths and batched rows; emptied when full (as `SIZES_KEPT`)."""
_variants: dict[tuple[int, str, tuple[int, ...]], tuple[Executable, str | None]] = {}


@cache
def asyncpg_adapter_fits() -> bool:
    """Whether SQLAlchemy's asyncpg adapter has the parts this path and `pg_transaction`
    drive (they are its internals: another SQLAlchemy version may not, and then
    SQLAlchemy runs all)."""
    try:
        from sqlalchemy.dialects.postgresql.asyncpg import (  # noqa: PLC0415
            AsyncAdapt_asyncpg_connection as adapter,
        )
    except ImportError:
        return False
    needed = ("_connection", "_execute_mutex", "_transaction", "_start_transaction", "_prepare")
    return all(
        hasattr(adapter, name) or name in getattr(adapter, "__slots__", ()) for name in needed
    )


def raise_as_sqlalchemy(
    sync: Connection, adapted: Any, error: Exception, sql: str, values: Any
) -> None:
    """What SQLAlchemy raises for this driver error (its DBAPI class, invalidating a
    connection that is gone); run in a greenlet, as SQLAlchemy's own handling is."""
    try:
        adapted._handle_exception(error)
    except Exception as translated:
        sync._handle_dbapi_exception(translated, sql, values, None, None)
    raise error


class PreparedAsyncConnection(AsyncConnection):
    """A pooled `AsyncConnection` (asyncpg) that runs marked statements on the driver."""

    adapted: Any = None
    """SQLAlchemy's adapter (`AsyncAdapt_asyncpg_connection`) of the driver's connection."""

    async def start(self, is_ctxmanager: bool = False) -> PreparedAsyncConnection:
        await super().start(is_ctxmanager)
        assert self.sync_connection is not None
        self.adapted = self.sync_connection.connection.dbapi_connection
        self._statements: dict[str, tuple[Any, float]] = {}
        return self

    async def driver_statement(self, sql: str) -> Any:
        """The driver's prepared statement for `sql`, from the adapter's cache (which
        prepares it once per connection) and kept here too: the adapter's look-up costs
        two coroutines and an LRU touch per statement. Stale, as SQLAlchemy judges it,
        after a schema change."""
        dialect: Any = self.dialect
        found = self._statements.get(sql)
        if found is not None and found[1] > dialect._invalidate_schema_cache_asof:
            return found[0]
        on_driver, _ = await self.adapted._prepare(sql, dialect._invalidate_schema_cache_asof)
        if len(self._statements) >= STATEMENTS_KEPT:
            self._statements.clear()
        self._statements[sql] = (on_driver, time.time())
        return on_driver

    def forget_statements(self) -> None:
        """After a driver error (a statement invalidated by a schema change among them)."""
        self._statements.clear()

    async def execute(
        self,
        statement: Executable,
        parameters: Sequence[Params] | Params | None = None,
        *,
        execution_options: Mapping[str, Any] | None = None,
    ) -> Any:
        if execution_options is None:
            if isinstance(parameters, list) and len(parameters) == 1:
                parameters = parameters[0]  # a batched insert of a single row
            plan = prepared.plan_for(statement, self.dialect, parameters)
            if plan is not None:
                fast = await _execute(self, plan, statement, parameters)
                if fast is not None:
                    return fast
        return await super().execute(statement, parameters, execution_options=execution_options)


async def _execute(
    connection: PreparedAsyncConnection,
    plan: Plan,
    statement: Executable,
    parameters: Sequence[Params] | Params | None,
) -> Any:
    """Run `plan` on the driver; None when these values need SQLAlchemy after all."""
    sync = connection.sync_connection
    assert sync is not None
    bound = _bound(plan, statement, sync.dialect, parameters)
    if bound is None:
        return None
    sql, values, many = bound
    if sync._has_events or sync.engine._has_events:  # SQLAlchemy's own check, cheap
        listeners = sync.dispatch.before_cursor_execute
        if listeners:
            listeners(sync, None, sql, values, None, many)
    adapted = connection.adapted
    failure: Exception | None = None
    records: Any = ()
    status = ""
    async with adapted._execute_mutex:
        try:
            if adapted._transaction is None:
                await adapted._start_transaction()
            on_driver = await connection.driver_statement(sql)
            if many:
                await on_driver.executemany(values)
            else:
                records = await on_driver.fetch(*values)
                status = on_driver.get_statusmsg() or ""
        except Exception as error:
            failure = error
    if failure is not None:
        connection.forget_statements()
        await greenlet_spawn(raise_as_sqlalchemy, sync, adapted, failure, sql, values)
    counted = _STATUS_COUNT.match(status)
    rowcount = int(counted.group(1)) if counted else -1
    rows = [tuple(record) for record in records] if plan.keys is not None else None
    return result_of(plan, rows, rowcount)


def _bound(
    plan: Plan,
    statement: Executable,
    dialect: Dialect,
    parameters: Sequence[Params] | Params | None,
) -> tuple[str, Any, bool] | None:
    """(SQL, values, several sets?) for the driver; None when SQLAlchemy must run it."""
    if parameters is None or isinstance(parameters, Mapping):
        given = parameters or {}
        sql = plan.sql if not plan.expanding else _variant(plan, statement, dialect, given, 1)
        return None if sql is None else (sql, values_of(plan, given), False)
    if plan.expanding:
        return None
    if plan.keys is None:
        return plan.sql, [values_of(plan, one) for one in parameters], True
    # Rows back for several sets: one multi-row statement, its values in a row.
    sql = _variant(plan, statement, dialect, parameters[0], len(parameters))
    values = [value for one in parameters for value in values_of(plan, one)]
    return None if sql is None else (sql, values, False)


def _variant(
    plan: Plan, statement: Executable, dialect: Dialect, given: Params, rows: int
) -> str | None:
    """The SQL for these values: the plan's own, or one with each list's placeholders or
    `rows` rows of VALUES; None when SQLAlchemy must render it (an empty list)."""
    if not plan.expanding and rows == 1:
        return plan.sql
    sizes = tuple(len(given[name]) for name in sorted(plan.expanding))
    if not all(sizes) or (plan.expanding and rows > 1):
        return None
    key = (id(plan), dialect.name, (rows, *sizes))
    found = _variants.get(key)
    if found is None or found[0] is not statement:
        found = (statement, _render(plan, statement, dialect, given, rows))
        if len(_variants) >= VARIANTS_KEPT:
            _variants.clear()
        _variants[key] = found
    return found[1]


def _render(
    plan: Plan, statement: Executable, dialect: Dialect, given: Params, rows: int
) -> str | None:
    assert isinstance(statement, ClauseElement)
    compiled = statement.compile(
        dialect=dialect, column_keys=sorted(given), for_executemany=rows > 1
    )
    assert isinstance(compiled, SQLCompiler)
    if rows == 1:
        return _with_lists(plan, compiled, given)
    batch = compiled._insertmanyvalues
    width = len(compiled.positiontup or ())
    if (
        batch is None
        or batch.num_positional_params_counted != width
        or rows * width > MAX_BATCHED_PARAMETERS
        or compiled.string.count(f"({batch.single_values_expr})") != 1
    ):
        return None
    single = batch.single_values_expr
    many = ", ".join(f"({_renumbered(single, row * width)})" for row in range(rows))
    return compiled.string.replace(f"({single})", many)


def _with_lists(plan: Plan, compiled: SQLCompiler, given: Params) -> str:
    """SQLAlchemy's placeholders for the lists' lengths, numbered in the plan's order
    (each list's values where the list is), which is how `values_of` lays them out;
    SQLAlchemy numbers the lists' values after all the others."""
    expanded = compiled._process_parameters_for_postcompile(dict(given))
    ours: list[str] = []
    for name, _processor in plan.binding:
        ours.extend(expanded.parameter_expansion[name] if name in plan.expanding else [name])
    position = {name: number for number, name in enumerate(ours, start=1)}
    theirs = expanded.positiontup or []
    return _PLACEHOLDER.sub(
        lambda found: f"${position[theirs[int(found.group(1)) - 1]]}", expanded.statement
    )


def _renumbered(values_expr: str, offset: int) -> str:
    """`$1, $2` as `$(1 + offset), $(2 + offset)`: one more row's placeholders."""
    return _PLACEHOLDER.sub(lambda found: f"${int(found.group(1)) + offset}", values_expr)
