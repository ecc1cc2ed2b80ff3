"""A transaction's first statement as literal SQL, sent in the same simple query as its
BEGIN on asyncpg: an event's claim (`Store.claiming`) and a send's delivery records
(`Store.recording`), one round trip instead of two for every event and every record. Only
statements whose status is all their caller needs: a simple query returns no rows here.

A simple query takes no parameters, so the values are written into the SQL. Text goes as
its UTF-8 bytes in hex, decoded by the server (`convert_from(decode('...', 'hex'), 'UTF8')`):
only hex digits ever stand between the quotes, whatever the text and the server's string
settings, so no value can end the literal. Times are the store's naive UTC
(`UTCDateTime`), written by `isoformat`; identifiers come from the tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.engine import Dialect

from bot.store.statements import ACCEPTED, OUTBOUND, PROCESSED
from bot.store.types import UTCDateTime

_AS_STORED = UTCDateTime()
CLAIMED = "INSERT 0 1"
"""The status of `claim`'s last command when it inserted the event's row."""


def text_literal(value: str) -> str:
    """`value` as a SQL expression that can be nothing else (see the module's doc)."""
    return f"convert_from(decode('{value.encode().hex()}', 'hex'), 'UTF8')"


def time_literal(moment: datetime, dialect: Dialect) -> str:
    """An aware time as the store keeps it (naive UTC), as a SQL expression."""
    stored = _AS_STORED.process_bind_param(moment, dialect)
    assert stored is not None
    return f"'{stored.isoformat(' ', 'microseconds')}'::timestamp"


def claim(
    community_id: str, event_id: str, now: datetime, dialect: Dialect, *, accepted: bool
) -> str:
    """`CommunityRepo.claim_event` (after `AcceptedRepo.forget` when `accepted`), as SQL
    whose last command's status is `CLAIMED` when the event was claimed."""
    keys = (text_literal(community_id), text_literal(event_id))
    received = time_literal(now, dialect)
    insert = (
        f"INSERT INTO {PROCESSED.name} (community_id, event_id, received_at)"
        f" VALUES ({keys[0]}, {keys[1]}, {received}) ON CONFLICT DO NOTHING"
    )
    if not accepted:
        return insert
    forget = f"DELETE FROM {ACCEPTED.name} WHERE community_id = {keys[0]} AND event_id = {keys[1]}"
    return f"{forget}; {insert}"


def delivered(rows: Sequence[tuple[int, str | None]], now: datetime, dialect: Dialect) -> str:
    """`OutboundRepo.delivered`: the rows (id, the message's ref) recorded delivered."""
    confirmed = ", ".join(
        f"({row_id:d}, {'NULL::text' if ref is None else text_literal(ref)})"
        for row_id, ref in rows
    )
    return (
        f"UPDATE {OUTBOUND.name} SET delivered_at = {time_literal(now, dialect)},"
        " delivered_ref = confirmed.ref, lease_until = NULL, attempted_at = NULL,"
        f" gave_up_at = NULL FROM (VALUES {confirmed}) AS confirmed (id, ref)"
        f" WHERE {OUTBOUND.name}.id = confirmed.id AND {OUTBOUND.name}.delivered_at IS NULL"
    )
