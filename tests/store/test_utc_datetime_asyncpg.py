"""`UTCDateTime` on asyncpg: aware UTC in as the naive UTC the column keeps, aware UTC out,
through its own processors (asyncpg's DATETIME converts nothing itself)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.dialects.postgresql import asyncpg

from bot.store.types import UTCDateTime

_DIALECT = asyncpg.dialect()  # type: ignore[no-untyped-call]


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 3, 2, 9, 0, 1, 123, tzinfo=UTC),
        datetime(2026, 3, 2, 11, 0, tzinfo=timezone(timedelta(hours=2))),
    ],
)
def test_a_moment_is_bound_naive_utc_and_read_back_aware(moment: datetime) -> None:
    column = UTCDateTime()
    bind, read = column.bind_processor(_DIALECT), column.result_processor(_DIALECT, None)
    assert bind is not None and read is not None
    stored = bind(moment)
    assert stored == moment.astimezone(UTC).replace(tzinfo=None)
    back = read(stored)
    assert back == moment and back.tzinfo is UTC
    assert bind(None) is None and read(None) is None


def test_a_naive_moment_is_refused() -> None:
    bind = UTCDateTime().bind_processor(_DIALECT)
    assert bind is not None
    with pytest.raises(ValueError, match="naive"):
        bind(datetime(2026, 3, 2, 9, 0))
