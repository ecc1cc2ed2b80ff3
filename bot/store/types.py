"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

_WITHOUT_UTC_OFFSET = -len("+00:00")

# The last aware datetime written as SQLite text, and its text: an event binds the same
# moment (its `now`) to several columns of several rows.
_last_written: list[tuple[datetime | None, str | None]] = [(None, None)]


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC: SQLite drops zones and PostgreSQL keeps them."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        zone = value.tzinfo
        if zone is UTC:
            return value.replace(tzinfo=None)
        if zone is None:
            raise ValueError("refusing a naive datetime: the core works in aware UTC")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # SQLite from raw SQL paths
            value = datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        to_naive = self.process_bind_param
        if dialect.name != "sqlite":
            if self._driver_converts(dialect):
                return super().bind_processor(dialect)

            def naive(value: datetime | None) -> datetime | None:
                if value is not None and value.tzinfo is UTC:  # the usual: one C call
                    return value.replace(tzinfo=None)
                return to_naive(value, dialect)

            return naive
        # Fused with SQLite's own DATETIME processor (every write binds several of these):
        # the same text it stores, "YYYY-MM-DD HH:MM:SS.ffffff", from one C call.

        def process(value: datetime | None) -> str | None:
            last = _last_written[0]
            if value is last[0]:
                return last[1]
            if value is not None and value.tzinfo is UTC:  # the usual: no naive copy made
                written = value.isoformat(" ", "microseconds")[:_WITHOUT_UTC_OFFSET]
                _last_written[0] = (value, written)  # one tuple: no thread sees a mixed pair
                return written
            naive = to_naive(value, dialect)
            return None if naive is None else naive.isoformat(" ", "microseconds")

        return process

    def result_processor(self, dialect: Dialect, coltype: Any) -> Callable[[Any], Any] | None:
        if dialect.name != "sqlite":
            if self._driver_converts(dialect, coltype):
                return super().result_processor(dialect, coltype)

            def aware(value: datetime | None) -> datetime | None:
                # The driver's naive datetime, its zone set: without TypeDecorator's layer.
                return None if value is None else value.replace(tzinfo=UTC)

            return aware

        def process(value: str | None) -> datetime | None:
            if value is None:
                return None
            try:
                # The zone parsed with the text costs a fraction of `replace(tzinfo=UTC)`.
                return datetime.fromisoformat(value + "+00:00")
            except ValueError:  # text that carries its own offset
                return datetime.fromisoformat(value).replace(tzinfo=UTC)

        return process

    def _driver_converts(self, dialect: Dialect, coltype: Any = None) -> bool:
        """Whether the dialect's own DATETIME converts values (asyncpg's does not): then
        the generic TypeDecorator layer chains it with ours."""
        impl = self.impl_instance.dialect_impl(dialect)
        if coltype is None:
            return impl.bind_processor(dialect) is not None
        return impl.result_processor(dialect, coltype) is not None
