"""`rebound outbox list|retry`: what the outbox gave up on, and sending it again by hand.

Given-up rows are never retried on their own (a permanent refusal, or a day of transient
ones): someone fixes the cause (invites the bot back, unarchives the channel) and retries.
Nothing printed carries what a message says or who it is for.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

if TYPE_CHECKING:  # the core is imported inside the commands, after the CLI's identity check
    from bot.store.repo import Outbound, Repo

app = typer.Typer(help="Inspect the outbox and retry what it gave up on.", no_args_is_help=True)

_T = TypeVar("_T")


def _database_url() -> str:
    from bot.kernel.settings import CoreSettings

    return CoreSettings().database_url


def _in_store(database_url: str, work: Callable[[Repo], Awaitable[_T]]) -> _T:
    from bot.store.engine import create_engine
    from bot.store.migrate import upgrade
    from bot.store.repo import Store

    async def run() -> _T:
        engine = create_engine(database_url)
        try:
            await upgrade(engine)
            async with Store(engine).transaction() as repo:
                return await work(repo)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def describe(row: Outbound) -> str:
    what = str(row.intent.get("__type__", "?"))
    gave_up = row.gave_up_at.isoformat(timespec="seconds") if row.gave_up_at else "-"
    return (
        f"{row.id:>8}  {row.community_id:<24} {what:<14} gave up {gave_up}  "
        f"{row.last_error_kind or '-'} {row.last_error or '-'} ({row.attempts} tries)"
    )


@app.command("list")
def list_rows(
    limit: Annotated[int, typer.Option(help="Show at most this many given-up rows.")] = 100,
) -> None:
    """Count rows by state and list the given-up ones with their last error."""
    database_url = _database_url()

    async def read(repo: Repo) -> tuple[dict[str, int], list[Outbound]]:
        counts = {state.value: n for state, n in (await repo.outbound.counts()).items()}
        return counts, await repo.outbound.given_up(limit)

    counts, rows = _in_store(database_url, read)
    typer.echo("  ".join(f"{state}: {n}" for state, n in counts.items()))
    for row in rows:
        typer.echo(describe(row))


@app.command()
def retry(
    ids: Annotated[list[int] | None, typer.Argument(help="Row ids from `outbox list`.")] = None,
    every: Annotated[bool, typer.Option("--all", help="Retry every given-up row.")] = False,
) -> None:
    """Make given-up rows pending again, due now, with a fresh day of tries."""
    if not ids and not every:
        typer.echo("Name row ids, or pass --all.", err=True)
        raise typer.Exit(code=2)
    from bot.kernel.clock import SystemClock

    database_url = _database_url()
    now = SystemClock().now()

    async def reset(repo: Repo) -> int:
        return await repo.outbound.retry(None if every else ids, now)

    typer.echo(f"{_in_store(database_url, reset)} row(s) will be retried.")
