"""`rebound outbox list|retry`: what the outbox gave up on, and sending it again by hand.

Given-up rows are never retried on their own (a permanent refusal, or a day of transient
ones): someone fixes the cause (invites the bot back, unarchives the channel) and retries.
Nothing printed carries what a message says or who it is for.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:  # the core is imported inside the commands, after the CLI's identity check
    from bot.api import GivenUp

app = typer.Typer(help="Inspect the outbox and retry what it gave up on.", no_args_is_help=True)


def _database_url() -> str:
    from bot.api import CoreSettings

    return CoreSettings().database_url


def describe(row: GivenUp) -> str:
    gave_up = row.gave_up_at.isoformat(timespec="seconds") if row.gave_up_at else "-"
    return (
        f"{row.row_id:>8}  {row.community_id:<24} {row.what:<14} gave up {gave_up}  "
        f"{row.last_error_kind or '-'} {row.last_error or '-'} ({row.attempts} tries)"
    )


@app.command("list")
def list_rows(
    limit: Annotated[int, typer.Option(help="Show at most this many given-up rows.")] = 100,
) -> None:
    """Count rows by state and list the given-up ones with their last error."""
    from bot.api import outbox_report

    counts, rows = asyncio.run(outbox_report(_database_url(), limit))
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
    from bot.api import SystemClock, retry_given_up

    now = SystemClock().now()
    retried = asyncio.run(retry_given_up(_database_url(), None if every else ids, now))
    typer.echo(f"{retried} row(s) will be retried.")
