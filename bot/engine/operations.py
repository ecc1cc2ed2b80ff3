"""What the command line does to the store outside any platform: bring the schema up to
date, and look at or retry what the outbox gave up on. Plain data out; nothing printed
carries what a message says or who it is for."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from bot.store.engine import create_engine
from bot.store.installation_repo import Installations
from bot.store.repo import Repo, Store
from bot.store.secrets import SecretBox

_T = TypeVar("_T")


@dataclass(frozen=True)
class GivenUp:
    """An outbox row the delivery gave up on, without its content."""

    row_id: int
    community_id: str
    what: str
    gave_up_at: datetime | None
    last_error_kind: str | None
    last_error: str | None
    attempts: int


async def migrate(database_url: str) -> None:
    """Create or upgrade the schema (safe to run repeatedly)."""
    from bot.store.migrate import upgrade  # noqa: PLC0415  (alembic loads only for this)

    engine = create_engine(database_url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


async def _in_store(database_url: str, work: Callable[[Repo], Awaitable[_T]]) -> _T:
    await migrate(database_url)
    store = Store(create_engine(database_url))
    try:
        async with store.transaction() as repo:
            return await work(repo)
    finally:
        await store.dispose()


async def outbox_report(database_url: str, limit: int) -> tuple[dict[str, int], list[GivenUp]]:
    """Rows by state, and up to `limit` given-up rows with their last error."""

    async def read(repo: Repo) -> tuple[dict[str, int], list[GivenUp]]:
        counts = {state.value: n for state, n in (await repo.outbound.counts()).items()}
        rows = [
            GivenUp(
                row.id,
                row.community_id,
                str(row.intent.get("__type__", "?")),
                row.gave_up_at,
                row.last_error_kind,
                row.last_error,
                row.attempts,
            )
            for row in await repo.outbound.given_up(limit)
        ]
        return counts, rows

    return await _in_store(database_url, read)


async def retry_given_up(database_url: str, row_ids: Iterable[int] | None, now: datetime) -> int:
    """Given-up rows pending again, due now (all of them when `row_ids` is None)."""

    async def reset(repo: Repo) -> int:
        return await repo.outbound.retry(None if row_ids is None else list(row_ids), now)

    return await _in_store(database_url, reset)


async def reseal_tokens(database_url: str, box: SecretBox) -> int:
    """Re-seal every stored platform token under the first key of `box`; how many
    installations. Raises `SecretUnreadable` (changing nothing) if a token opens with none."""
    store = Store(create_engine(database_url))
    try:
        return await Installations(store, box).reseal_all()
    finally:
        await store.dispose()
