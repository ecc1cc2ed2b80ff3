"""`UTCDateTime` on SQLite: aware UTC in, the same aware UTC out, through its fused text
processors (no naive copy on the way in, the zone parsed with the text on the way out)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.dialects import sqlite

from bot.store.types import UTCDateTime

_DIALECT = sqlite.dialect()


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 3, 2, 9, 0, 1, 123, tzinfo=UTC),
        datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        datetime(2026, 3, 2, 11, 0, tzinfo=timezone(timedelta(hours=2))),
    ],
)
def test_a_moment_is_stored_as_naive_utc_text_and_read_back_aware(moment: datetime) -> None:
    column = UTCDateTime()
    bind, read = column.bind_processor(_DIALECT), column.result_processor(_DIALECT, None)
    assert bind is not None and read is not None
    stored = bind(moment)
    assert stored == moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    back = read(stored)
    assert back == moment and back.tzinfo is UTC
    assert bind(None) is None and read(None) is None


def test_text_with_its_own_offset_is_read_as_utc_as_before() -> None:
    read = UTCDateTime().result_processor(_DIALECT, None)
    assert read is not None
    assert read("2026-03-02 09:00:01+02:00") == datetime(2026, 3, 2, 9, 0, 1, tzinfo=UTC)


def test_a_naive_moment_is_refused() -> None:
    bind = UTCDateTime().bind_processor(_DIALECT)
    assert bind is not None
    with pytest.raises(ValueError, match="naive"):
        bind(datetime(2026, 3, 2, 9, 0))


def test_sqlite_text_of_each_moment_bound_in_turn() -> None:
    """The SQLite binder keeps the last moment's text: each moment still gets its own."""
    process = UTCDateTime().bind_processor(_DIALECT)
    assert process is not None
    first = datetime(2026, 3, 2, 9, 0, 0, 5, tzinfo=UTC)
    second = first + timedelta(microseconds=1)
    written = [process(moment) for moment in (first, first, second, first, None)]
    assert written == [
        "2026-03-02 09:00:00.000005",
        "2026-03-02 09:00:00.000005",
        "2026-03-02 09:00:00.000006",
        "2026-03-02 09:00:00.000005",
        None,
    ]
