"""The `rebound` command: runs an adapter, the demo, or maintenance tasks."""

from __future__ import annotations

import asyncio
import logging
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from bot.content import ContentError, default_content_dir, load_content
from bot.settings import CoreSettings

app = typer.Typer(help="Rebound: peer support for job-interview setbacks.", no_args_is_help=True)

DEMO_SCRIPT = default_content_dir() / "en" / "demo.yaml"


def _settings(level: str | None = None) -> CoreSettings:
    settings = CoreSettings()
    logging.basicConfig(
        level=level or settings.log_level, format="%(levelname)s %(name)s: %(message)s"
    )
    return settings


@app.command()
def demo(
    transcript: Annotated[
        Path | None, typer.Option(help="Also write the transcript as JSON Lines here.")
    ] = None,
) -> None:
    """Play the built-in story through the console adapter on a fresh SQLite file."""
    _settings(level="WARNING")
    _play(DEMO_SCRIPT, transcript, database=None)


@app.command()
def console(
    script: Annotated[Path | None, typer.Option(help="Play this YAML script instead.")] = None,
    transcript: Annotated[
        Path | None, typer.Option(help="Write what everyone saw as JSON Lines here.")
    ] = None,
    database: Annotated[
        str | None,
        typer.Option(help="Database URL; scripts default to a fresh SQLite file each run."),
    ] = None,
) -> None:
    """Chat with Rebound in the terminal, or play a scripted story."""
    from adapters.console.app import interactive
    from adapters.console.script import ScriptError

    # The console is a conversation: only warnings may interrupt it.
    settings = _settings(level="WARNING")
    if script is None:
        asyncio.run(interactive(database or settings.database_url))
        return
    try:
        _play(script, transcript, database)
    except ScriptError as problem:
        if problem.transcript is not None:
            typer.echo(problem.transcript.render_text())
        typer.echo(f"Script problem: {problem}", err=True)
        raise typer.Exit(code=2) from None


def _play(script: Path, transcript: Path | None, database: str | None) -> None:
    """Play a script and print its transcript; without a database, on a fresh SQLite file.

    Script event ids repeat on every run, so a used database would take them as redeliveries.
    """
    from adapters.console.app import play_script

    if database is not None:
        played = asyncio.run(play_script(script, database, transcript))
    else:
        with tempfile.TemporaryDirectory(prefix="rebound-script-") as folder:
            url = f"sqlite+aiosqlite:///{Path(folder) / 'rebound.db'}"
            played = asyncio.run(play_script(script, url, transcript))
    typer.echo(played.render_text())


@app.command()
def slack(
    port: Annotated[int, typer.Option(help="HTTP port for /slack/events and /healthz.")] = 3000,
) -> None:
    """Run the Slack adapter: HTTP by default, Socket Mode when SLACK_APP_TOKEN is set."""
    from pydantic import ValidationError

    from adapters.slack.app import serve
    from adapters.slack.config import SlackSettings
    from adapters.slack.startup import SlackUnreachable, TokenRefused

    _settings()
    try:
        settings = SlackSettings()  # type: ignore[call-arg]  # required values come from env
    except ValidationError as problem:
        missing = ", ".join(f"SLACK_{str(e['loc'][0]).upper()}" for e in problem.errors())
        typer.echo(f"Slack settings missing or invalid: {missing}", err=True)
        raise typer.Exit(code=2) from None
    try:
        asyncio.run(serve(settings, port))
    except TokenRefused as refused:
        typer.echo(str(refused), err=True)
        raise typer.Exit(code=1) from None
    except SlackUnreachable as unreachable:
        typer.echo(f"Slack could not be reached: {unreachable}", err=True)
        raise typer.Exit(code=1) from None


@app.command()
def discord() -> None:
    """Run the Discord adapter (settings: DISCORD_* variables, see docs/discord.md)."""
    from adapters.discord.app import SettingsProblem
    from adapters.discord.app import main as run_discord

    settings = _settings()
    try:
        run_discord(settings.database_url)
    except SettingsProblem as problem:
        typer.echo(f"Discord settings problem: {problem}", err=True)
        raise typer.Exit(code=2) from None


@app.command()
def migrate() -> None:
    """Bring the database schema up to date (safe to run repeatedly)."""
    from bot.store.engine import create_engine
    from bot.store.migrate import upgrade

    settings = _settings()

    async def _run() -> None:
        engine = create_engine(settings.database_url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()

    asyncio.run(_run())
    typer.echo("Schema is up to date.")


content_app = typer.Typer(help="Work with the content/ folder.")
app.add_typer(content_app, name="content")


@content_app.command("check")
def content_check(
    folder: Annotated[Path | None, typer.Argument(help="Content folder.")] = None,
) -> None:
    """Validate every message file; exits non-zero and names the problem if one is found."""
    try:
        content = load_content(folder)
    except ContentError as problem:
        typer.echo(f"Content problem: {problem}", err=True)
        raise typer.Exit(code=1) from None
    typer.echo(f"Content is valid ({', '.join(content.locales)}).")


def main() -> None:
    app(prog_name="rebound")
    sys.exit(0)
