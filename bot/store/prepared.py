"""Hot statements run straight on the driver (sqlite3, asyncpg), compiled once.

Executing a statement through SQLAlchemy costs several times SQLite's own work (cache
key, execution context, parameter and result processing set up per call; on asyncpg a
greenlet hop besides). A statement marked with `prepared` is compiled once per dialect
and set of parameter names; each later execution binds the values with the same type
processors SQLAlchemy would use, runs the SQL on the driver inside the open transaction
and returns a light `Result` (`Rows`: rows, mappings, scalars, rowcount). This module plans
and runs on sqlite3; `asyncpg_path` runs the same plans on asyncpg.

Only statements whose SQL does not depend on the values qualify: no column defaults
computed in Python; lists (`IN`) and many parameter sets are expanded as SQLAlchemy
would. Anything else (and any statement not marked) goes through SQLAlchemy as before.
Statement events (`before_cursor_execute`) still fire, and driver errors are raised as
SQLAlchemy raises them, so callers see no difference.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from operator import itemgetter
from typing import Any, TypeVar

from sqlalchemy import Connection, exc
from sqlalchemy.engine import Dialect, Row
from sqlalchemy.engine.result import IteratorResult, SimpleResultMetaData
from sqlalchemy.sql import ClauseElement, Executable
from sqlalchemy.sql.compiler import SQLCompiler

FLAG = "rebound_prepared"
SIZES_KEPT = 64
"""The SQL kept per statement for its lists' lengths (`IN`); emptied when full, since a
list's length is the members' doing and memory must not grow with it."""
MAX_BATCHED_PARAMETERS = 30_000
"""Parameters in one multi-row INSERT at most (SQLite takes 32,766)."""

S = TypeVar("S", bound=Executable)


def prepared(statement: S) -> S:
    """Mark a statement built once (a module constant) for the driver's fast path."""
    marked: S = statement.execution_options(**{FLAG: True})
    return marked


Processor = Callable[[Any], Any] | None


class _Plan:
    """One statement compiled for one dialect and one set of parameter names."""

    __slots__ = (
        "_sized",
        "batch_values",
        "binding",
        "converting",
        "expanding",
        "fixed",
        "keys",
        "metadata",
        "picking",
        "readers",
        "row_parts",
        "sql",
    )

    def __init__(
        self,
        sql: str,
        binding: tuple[tuple[str, Processor], ...],
        fixed: dict[str, Any],
        keys: tuple[str, ...] | None,
        readers: tuple[Processor, ...],
        *,
        expanding: frozenset[str] = frozenset(),
    ) -> None:
        self.sql = sql
        self.expanding = expanding
        """Parameters that are lists (`IN`), one placeholder per element."""
        self._sized: dict[tuple[int, ...], str] = {}
        self.batch_values: str | None = None
        """An INSERT's one row of placeholders, to be repeated for several rows in one
        statement (`batch_sql`); None for any other statement."""
        self.binding = binding
        """Each positional parameter's name and bind processor, in order."""
        self.fixed = fixed
        """Values bound when the statement was built (`.values(lease_until=None)`)."""
        names = [name for name, _ in binding]
        self.picking: Callable[[Mapping[str, Any]], tuple[Any, ...]] | None = (
            _picker(names) if names and not expanding else None
        )
        """The positional values, unconverted, from the given ones and the fixed ones under
        them (no list): one C call instead of a look-up per name."""
        self.converting = tuple(
            (index, processor) for index, (_, processor) in enumerate(binding) if processor
        )
        """The positions whose values a bind processor converts (datetimes, JSON)."""
        self.keys = keys
        """The result's column names; None when it returns no rows."""
        self.readers = readers
        self.metadata = SimpleResultMetaData(keys or ())
        self.row_parts: tuple[SimpleResultMetaData, Any] = (
            self.metadata,
            readers if any(readers) else None,
        )
        """What each `Row` is made with: its metadata and the readers (None: none needed)."""

    def batch_sql(self, rows: int) -> str | None:
        """The INSERT of `rows` rows in one statement (RETURNING its rows, in any order);
        None when it is not an INSERT or the rows' values are too many."""
        if self.batch_values is None or rows * len(self.binding) > MAX_BATCHED_PARAMETERS:
            return None
        found = self._sized.get((-rows,))  # negative: apart from the lists' lengths
        if found is None:
            one = f"({self.batch_values})"
            found = self.sql.replace(one, ", ".join([one] * rows))
            if len(self._sized) >= SIZES_KEPT:
                self._sized.clear()
            self._sized[(-rows,)] = found
        return found

    def sql_for(self, given: Mapping[str, Any]) -> str | None:
        """The SQL with each list's placeholders; None for an empty list (SQLAlchemy
        renders those its own way)."""
        if not self.expanding:
            return self.sql
        sizes = tuple(len(given[name]) for name in sorted(self.expanding))
        if not all(sizes):
            return None
        found = self._sized.get(sizes)
        if found is None:
            found = self.sql
            for name, size in zip(sorted(self.expanding), sizes, strict=True):
                found = found.replace(f"__[POSTCOMPILE_{name}]", ", ".join("?" * size))
            if len(self._sized) >= SIZES_KEPT:
                self._sized.clear()
            self._sized[sizes] = found
        return found


_EXPANDS = frozenset({"qmark", "numeric_dollar"})
"""Paramstyles whose lists (`IN`) the fast paths expand: sqlite3's here, asyncpg's in
`asyncpg_path`."""


class _Unfit:
    """A statement (for these parameter names) the fast path cannot run."""


_UNFIT = _Unfit()
_plans: dict[tuple[int, str, str, frozenset[str]], tuple[Executable, _Plan | None]] = {}
"""Each marked statement's plan by dialect, paramstyle and parameter names; None where the
fast path cannot run it."""


class _Result(IteratorResult[Any]):
    rowcount: int = -1


def _plan(statement: Executable, dialect: Dialect, names: frozenset[str]) -> _Plan | _Unfit:
    if not isinstance(statement, ClauseElement):
        return _UNFIT
    compiled = statement.compile(dialect=dialect, column_keys=sorted(names))
    assert isinstance(compiled, SQLCompiler)
    expanding = frozenset(bind.key for bind in compiled.post_compile_params)
    defaults = _scalar_defaults(compiled.insert_prefetch)
    if (
        defaults is None
        or compiled.update_prefetch
        or compiled.literal_execute_params
        or compiled.positiontup is None
        or not expanding <= names
        or any(not bind.expanding for bind in compiled.post_compile_params)
    ):
        return _UNFIT
    order = tuple(compiled.positiontup)
    fixed: dict[str, Any] = dict(defaults)
    for name in order:
        bind = compiled.binds[name]
        if name not in names and name not in defaults:
            if bind.required or bind.callable is not None:
                return _UNFIT
            fixed[name] = bind.effective_value
    binding: list[tuple[str, Processor]] = []
    for name in order:
        processor = compiled._bind_processors.get(name)
        if processor is not None and not callable(processor):
            return _UNFIT  # one processor per element of a tuple: not on this path
        binding.append((name, processor))
    keys: tuple[str, ...] | None = None
    readers: tuple[Processor, ...] = ()
    if compiled._result_columns:
        keys = tuple(entry.keyname for entry in compiled._result_columns)
        readers = tuple(
            entry.type._cached_result_processor(dialect, None) for entry in compiled._result_columns
        )
    elif compiled.effective_returning:
        return _UNFIT
    plan = _Plan(compiled.string, tuple(binding), fixed, keys, readers, expanding=expanding)
    plan.batch_values = _batch_values(statement, dialect, names, compiled.string, len(order))
    return plan


def _batch_values(
    statement: ClauseElement, dialect: Dialect, names: frozenset[str], sql: str, width: int
) -> str | None:
    """An INSERT's one row of placeholders, as SQLAlchemy repeats them for several rows
    (its "insertmanyvalues"), when the compiled SQL holds them exactly once."""
    if not getattr(statement, "is_insert", False):
        return None
    many = statement.compile(dialect=dialect, column_keys=sorted(names), for_executemany=True)
    assert isinstance(many, SQLCompiler)
    batch = many._insertmanyvalues
    if (
        batch is None
        or many.string != sql
        or batch.num_positional_params_counted != width
        or sql.count(f"({batch.single_values_expr})") != 1
    ):
        return None
    return batch.single_values_expr


def _scalar_defaults(columns: Sequence[Any]) -> dict[str, Any] | None:
    """The constant defaults SQLAlchemy would fill in for columns not given (`version=0`);
    None when one is computed (a function), which only SQLAlchemy can run."""
    found: dict[str, Any] = {}
    for column in columns:
        default = column.default
        if default is None or not default.is_scalar:
            return None
        found[column.key] = default.arg
    return found


def plan_for(
    statement: Executable,
    dialect: Dialect,
    parameters: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None,
) -> _Plan | None:
    """The compiled plan for `statement` with these parameter names, None if unfit."""
    if not statement._execution_options.get(FLAG):
        return None
    names = frozenset(parameters) if type(parameters) is dict else parameter_names(parameters)
    if names is None:
        return None
    key = (id(statement), dialect.name, dialect.paramstyle, names)
    found = _plans.get(key)
    if found is None or found[0] is not statement:
        plan = _plan(statement, dialect, names)
        fits = not isinstance(plan, _Unfit) and (
            not plan.expanding or dialect.paramstyle in _EXPANDS
        )
        found = (statement, plan if isinstance(plan, _Plan) and fits else None)
        _plans[key] = found
    return found[1]


def parameter_names(
    parameters: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None,
) -> frozenset[str] | None:
    """The names a fast execution binds; None when SQLAlchemy must run it."""
    if parameters is None:
        return frozenset()
    if type(parameters) is dict or isinstance(parameters, Mapping):
        return frozenset(parameters)
    if not parameters:
        return None
    names = frozenset(parameters[0])
    return names if all(frozenset(p) == names for p in parameters) else None


def _picker(names: list[str]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    if len(names) > 1:
        return itemgetter(*names)
    (name,) = names
    return lambda given: (given[name],)


def _values(plan: _Plan, given: Mapping[str, Any]) -> tuple[Any, ...]:
    if plan.picking is not None:
        picked = plan.picking({**plan.fixed, **given} if plan.fixed else given)
        if not plan.converting:
            return picked
        converted = list(picked)
        for index, processor in plan.converting:
            if (value := converted[index]) is not None:
                converted[index] = processor(value)
        return tuple(converted)
    fixed, expanding = plan.fixed, plan.expanding
    if not expanding:
        return tuple(
            [
                value if binder is None or value is None else binder(value)
                for name, binder in plan.binding
                for value in (given[name] if name in given else fixed[name],)
            ]
        )
    values: list[Any] = []
    for name, binder in plan.binding:
        value = given[name] if name in given else fixed[name]
        if name in expanding:
            values.extend(v if binder is None or v is None else binder(v) for v in value)
        else:
            values.append(value if binder is None or value is None else binder(value))
    return tuple(values)


def cursor_listeners(connection: Connection) -> Callable[..., None] | None:
    """The connection's `before_cursor_execute` listeners (tests' and benchmarks' statement
    captures), None without any. Only listeners of that event: the engine's others (connect,
    begin) cost nothing here. Looking them up costs more than a small statement's own work,
    so it is done once per transaction, not per statement."""
    listeners = connection.dispatch.before_cursor_execute
    return listeners if listeners else None


def driver_of(connection: Connection) -> sqlite3.Connection:
    """The sqlite3 connection under a SQLAlchemy connection to SQLite."""
    driver: sqlite3.Connection = connection.connection.driver_connection  # type: ignore[assignment]
    return driver


def execute(
    connection: Connection,
    plan: _Plan,
    parameters: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None,
    driver: sqlite3.Connection | None = None,
    listeners: Callable[..., None] | None = None,
) -> Any:
    """Run `plan` on the connection's sqlite3 driver (`driver`, when the caller has it at
    hand): one parameter set, or many for a statement that returns no rows; a `Result`
    like SQLAlchemy's, or None when the values need SQLAlchemy after all (an empty list).
    `listeners`: the connection's `before_cursor_execute` listeners, if it has any (see
    `cursor_listeners`)."""
    sets: Sequence[Mapping[str, Any]]
    if parameters is None:
        sets, many = ({},), False
    elif type(parameters) is dict or isinstance(parameters, Mapping):
        sets, many = (parameters,), False
    else:
        sets, many = parameters, True
    if many and plan.expanding:
        return None
    sql = plan.sql_for(sets[0])
    if sql is None:
        return None
    values: Any = [_values(plan, p) for p in sets] if many else _values(plan, sets[0])
    if many and plan.keys is not None:
        # Rows returned for many sets: an INSERT of them all in one statement (its rows
        # come back in any order), else one statement each (inline, no round trips).
        batched = plan.batch_sql(len(values))
        if batched is not None:
            sql, values, many = batched, [value for one in values for value in one], False
    if driver is None:
        driver = driver_of(connection)
    cursor = driver.cursor()
    if listeners is not None:
        listeners(connection, cursor, sql, values, None, many)
    try:
        if many and plan.keys is not None:
            rows = [row for one in values for row in cursor.execute(sql, one).fetchall()]
        elif many:
            cursor.executemany(sql, values)
            rows = None
        else:
            cursor.execute(sql, values)
            rows = cursor.fetchall() if plan.keys is not None else None
    except sqlite3.Error as error:
        raise exc.DBAPIError.instance(
            sql, values, error, sqlite3.Error, hide_parameters=True, dialect=connection.dialect
        ) from error
    result = _result(plan, rows, cursor.rowcount)
    cursor.close()
    return result


def _result(plan: _Plan, rows: list[Any] | None, rowcount: int) -> Rows:
    return Rows(plan, rows or [], rowcount)


class Rows:
    """A fast execution's result: the driver's rows, made into SQLAlchemy `Row`s (values
    read by the same processors) only when asked for.

    SQLAlchemy's `Result` costs more than a small statement's own work (its metadata,
    iterator strategies and filters are set up per call). This offers the part of its
    interface the repositories use (`first`, `scalar`, `all`, `scalars`, `mappings`,
    iteration, `rowcount`); anything else is answered by a full `Result` of the rows.
    """

    __slots__ = ("_plan", "_raw", "rowcount")

    def __init__(self, plan: _Plan, raw: list[Any], rowcount: int) -> None:
        self._plan = plan
        self._raw = raw
        self.rowcount = rowcount

    def _row(self, raw: Any) -> Row[Any]:
        metadata, readers = self._plan.row_parts
        return Row(metadata, readers, metadata._key_to_index, raw)

    def _value(self, raw: Any) -> Any:
        reader = self._plan.readers[0] if self._plan.readers else None
        value = raw[0]
        return value if reader is None or value is None else reader(value)

    def _only(self) -> Any:
        if len(self._raw) > 1:
            raise exc.MultipleResultsFound("Multiple rows were found when exactly one was required")
        return self._raw[0] if self._raw else None

    def all(self) -> list[Row[Any]]:
        return [self._row(raw) for raw in self._raw]

    fetchall = all

    def __iter__(self) -> Iterator[Row[Any]]:
        return iter(self.all())

    def first(self) -> Row[Any] | None:
        return self._row(self._raw[0]) if self._raw else None

    def one_or_none(self) -> Row[Any] | None:
        raw = self._only()
        return None if raw is None else self._row(raw)

    def one(self) -> Row[Any]:
        found = self.one_or_none()
        if found is None:
            raise exc.NoResultFound("No row was found when one was required")
        return found

    def scalar(self) -> Any:
        return self._value(self._raw[0]) if self._raw else None

    def scalar_one_or_none(self) -> Any:
        raw = self._only()
        return None if raw is None else self._value(raw)

    def scalar_one(self) -> Any:
        if not self._raw:
            raise exc.NoResultFound("No row was found when one was required")
        return self.scalar_one_or_none()

    def scalars(self) -> Listed:
        return Listed([self._value(raw) for raw in self._raw])

    def mappings(self) -> Listed:
        return Listed([self._row(raw)._mapping for raw in self._raw])

    def __getattr__(self, name: str) -> Any:
        full = _Result(self._plan.metadata, iter(self.all()))
        full.rowcount = self.rowcount
        return getattr(full, name)


class Listed:
    """`scalars()` or `mappings()` of `Rows`: their values, in order."""

    __slots__ = ("_items",)

    def __init__(self, items: list[Any]) -> None:
        self._items = items

    def all(self) -> list[Any]:
        return self._items

    def __iter__(self) -> Iterator[Any]:
        return iter(self._items)

    def first(self) -> Any:
        return self._items[0] if self._items else None

    def one_or_none(self) -> Any:
        if len(self._items) > 1:
            raise exc.MultipleResultsFound("Multiple rows were found when exactly one was required")
        return self.first()

    def one(self) -> Any:
        if not self._items:
            raise exc.NoResultFound("No row was found when one was required")
        return self.one_or_none()
