"""The `rebound` command: runs an adapter, the demo, or maintenance tasks.

The core (`bot`) is imported inside the commands, after `main` has checked that the `bot` and
`adapters` packages are Rebound's own (adapters/identity.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import sys
import tempfile
from collections.abc import Callable, Coroutine, Iterator
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from adapters.identity import foreign_packages, rebound_version
from adapters.outbox_admin import app as outbox_app

if TYPE_CHECKING:
    from adapters.console.transcript import Transcript
    from bot.api import CoreSettings

    ScriptPlayer = Callable[[Path, str, Path | None], Coroutine[object, object, Transcript]]

DEFAULT_PORT = 3000

app = typer.Typer(help="Rebound: peer support for job-interview setbacks.", no_args_is_help=True)


def _print_version(wanted: bool) -> None:
    if wanted:
        typer.echo(f"rebound {rebound_version()}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Rebound: peer support for job-interview setbacks."""


@contextlib.contextmanager
def _loading() -> Iterator[None]:
    """Import a command's core modules with the garbage collector paused (as `main` leaves
    it), and SQLAlchemy's asyncio engine without the ORM it never uses
    (adapters/lean_sqlalchemy.py).

    Importing makes a hundred thousand long-lived objects and almost no garbage (under a
    megabyte of cycles), yet the collector's passes over them were a sixth of the start's
    CPU. Once loaded they are frozen: later collections walk only what the process makes
    while it runs.
    """
    from adapters.lean_sqlalchemy import load_engine_without_session

    gc.disable()
    load_engine_without_session()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def _settings(level: str | None = None) -> CoreSettings:
    from adapters.ops_logs import configure
    from adapters.ops_settings import OpsSettings
    from bot.api import CoreSettings

    settings = CoreSettings()
    configure(level or settings.log_level, OpsSettings().log_format)
    return settings


@app.command()
def demo(
    transcript: Annotated[
        Path | None, typer.Option(help="Also write the transcript as JSON Lines here.")
    ] = None,
) -> None:
    """Play the built-in story through the console adapter on a fresh SQLite file."""
    with _loading():
        from adapters.console.app import play_script

    _settings(level="WARNING")
    with demo_script() as script:
        _play(play_script, script, transcript, database=None)


def demo_script() -> contextlib.AbstractContextManager[Path]:
    """The packaged demo story as a file (extracted for as long as the block runs if the
    package is zipped)."""
    from bot.api import packaged_content

    return resources.as_file(packaged_content() / "en" / "demo.yaml")


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
    with _loading():
        from adapters.console.app import interactive, play_script
        from adapters.console.script import ScriptError

    # The console is a conversation: only warnings may interrupt it.
    settings = _settings(level="WARNING")
    if script is None:
        asyncio.run(interactive(database or settings.database_url))
        return
    try:
        _play(play_script, script, transcript, database)
    except ScriptError as problem:
        if problem.transcript is not None:
            typer.echo(problem.transcript.render_text())
        typer.echo(f"Script problem: {problem}", err=True)
        raise typer.Exit(code=2) from None


def _play(
    play_script: ScriptPlayer, script: Path, transcript: Path | None, database: str | None
) -> None:
    """Play a script and print its transcript; without a database, on a fresh SQLite file.

    Script event ids repeat on every run, so a used database would take them as redeliveries.
    """
    if database is not None:
        played = asyncio.run(play_script(script, database, transcript))
    else:
        with tempfile.TemporaryDirectory(prefix="rebound-script-") as folder:
            url = f"sqlite+aiosqlite:///{Path(folder) / 'rebound.db'}"
            played = asyncio.run(play_script(script, url, transcript))
    typer.echo(played.render_text())


def _port(chosen: int | None, configured: int | None) -> int:
    """The port asked for (0: any free one), else REBOUND_HTTP_PORT, else the default."""
    for port in (chosen, configured):
        if port is not None:
            return port
    return DEFAULT_PORT


@app.command()
def slack(
    port: Annotated[
        int | None,
        typer.Option(
            help="HTTP port for /slack/events, /healthz, /readyz and /metrics "
            "(default: REBOUND_HTTP_PORT, else 3000)."
        ),
    ] = None,
) -> None:
    """Run the Slack adapter: HTTP by default, Socket Mode when SLACK_APP_TOKEN is set."""
    with _loading():
        from pydantic import ValidationError

        from adapters.ops_settings import OpsSettings
        from adapters.slack.app import serve
        from adapters.slack.config import SlackSettings
        from adapters.slack.startup import SlackUnreachable, TokenRefused
        from bot.api import SecretKeysMissing

    _settings()
    try:
        settings = SlackSettings()
    except ValidationError as problem:
        missing = ", ".join(f"SLACK_{str(e['loc'][0]).upper()}" for e in problem.errors())
        typer.echo(f"Slack settings missing or invalid: {missing}", err=True)
        raise typer.Exit(code=2) from None
    if settings.missing():
        typer.echo(f"Slack settings missing or invalid: {', '.join(settings.missing())}", err=True)
        raise typer.Exit(code=2)
    try:
        asyncio.run(serve(settings, _port(port, OpsSettings().http_port)))
    except TokenRefused as refused:
        typer.echo(str(refused), err=True)
        raise typer.Exit(code=1) from None
    except SlackUnreachable as unreachable:
        typer.echo(f"Slack could not be reached: {unreachable}", err=True)
        raise typer.Exit(code=1) from None
    except SecretKeysMissing as bad_keys:
        typer.echo(f"Slack settings missing or invalid: {bad_keys}", err=True)
        raise typer.Exit(code=2) from None


@app.command()
def discord() -> None:
    """Run the Discord adapter (settings: DISCORD_* variables, see docs/discord.md)."""
    with _loading():
        from adapters.discord.app import SettingsProblem
        from adapters.discord.app import main as run_discord

    settings = _settings()
    try:
        run_discord(settings.database_url)
    except SettingsProblem as problem:
        typer.echo(f"Discord settings problem: {problem}", err=True)
        raise typer.Exit(code=2) from None


@app.command()
def web(
    port: Annotated[
        int | None,
        typer.Option(
            help="HTTP port for the moderators' page (default: REBOUND_HTTP_PORT, else 3000)."
        ),
    ] = None,
) -> None:
    """Serve the moderators' web page (settings: REBOUND_WEB_*, see docs/web.md)."""
    with _loading():
        from adapters.ops_settings import OpsSettings
        from adapters.web.run import run_web
        from adapters.web.settings import WebSettings

    core_settings = _settings()
    settings = WebSettings()
    if settings.problems():
        typer.echo(f"Web settings missing or invalid: {'; '.join(settings.problems())}", err=True)
        raise typer.Exit(code=2)
    database = settings.database_url or core_settings.database_url
    asyncio.run(run_web(settings, database, _port(port, OpsSettings().http_port)))


@app.command()
def migrate() -> None:
    """Bring the database schema up to date (safe to run repeatedly)."""
    from bot.api import migrate_database

    asyncio.run(migrate_database(_settings().database_url))
    typer.echo("Schema is up to date.")


@app.command()
def doctor() -> None:
    """Check the settings, the database, the content, and each configured platform's token,
    scopes or intents, channels and roles: one line each, with the fix; exits 1 on a failure."""
    from adapters.doctor import diagnose

    logging.basicConfig(level="WARNING")
    raise typer.Exit(code=diagnose())


@app.command()
def backup(
    destination: Annotated[Path, typer.Argument(help="A new file for the copy.")],
) -> None:
    """Copy the SQLite database, consistently, while Rebound runs (online backup API)."""
    from adapters.backup import BackupProblem
    from adapters.backup import backup as copy

    settings = _settings(level="WARNING")
    try:
        pages = copy(settings.database_url, destination)
    except BackupProblem as problem:
        typer.echo(f"Backup problem: {problem}", err=True)
        raise typer.Exit(code=2) from None
    typer.echo(f"Backed up to {destination} ({pages} pages), integrity checked.")


@app.command()
def restore(
    backup_file: Annotated[Path, typer.Argument(help="A file made by `rebound backup`.")],
) -> None:
    """Replace the SQLite database with a backup (stop every Rebound process first)."""
    from adapters.backup import BackupProblem
    from adapters.backup import restore as put_back

    settings = _settings(level="WARNING")
    try:
        put_back(backup_file, settings.database_url)
    except BackupProblem as problem:
        typer.echo(f"Restore problem: {problem}", err=True)
        raise typer.Exit(code=2) from None
    typer.echo(f"Restored from {backup_file}; run `rebound migrate` if it is older.")


app.add_typer(outbox_app, name="outbox")

keys_app = typer.Typer(help="The keys sealing platform tokens (REBOUND_SECRET_KEYS).")
app.add_typer(keys_app, name="keys")


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Re-seal every stored token under the first key of REBOUND_SECRET_KEYS. Put a new key
    first, run this, then drop the old key."""
    from bot.api import SecretBox, SecretKeysMissing, SecretUnreadable, reseal_tokens

    settings = _settings()
    try:
        box = SecretBox.from_text(settings.secret_keys)
    except SecretKeysMissing as missing:
        typer.echo(f"Cannot rotate: {missing}.", err=True)
        raise typer.Exit(code=2) from None

    try:
        count = asyncio.run(reseal_tokens(settings.database_url, box))
    except SecretUnreadable as unreadable:
        typer.echo(f"Cannot rotate: {unreadable}; nothing was changed.", err=True)
        raise typer.Exit(code=1) from None
    typer.echo(f"Re-sealed the tokens of {count} installation(s) under the first key.")


@keys_app.command("new")
def keys_new() -> None:
    """Print a new key to put first in REBOUND_SECRET_KEYS."""
    from bot.api import SecretBox

    typer.echo(SecretBox.new_key())


content_app = typer.Typer(help="Work with the content/ folder.")
app.add_typer(content_app, name="content")


@content_app.command("check")
def content_check(
    folder: Annotated[
        Path | None,
        typer.Argument(
            help="A community's content folder, laid over the packaged one "
            "(default: REBOUND_CONTENT_DIR)."
        ),
    ] = None,
) -> None:
    """Validate the packaged words and templates with a community's folder laid over them;
    exits non-zero and names the file and line of a problem."""
    from bot.api import ContentError, load_content, load_lexicons

    overrides = folder or _settings().content_dir
    try:
        content = load_content(overrides=overrides)
        load_lexicons(overrides=overrides)
    except ContentError as problem:
        typer.echo(f"Content problem: {problem}", err=True)
        raise typer.Exit(code=1) from None
    laid_over = f", with {overrides} laid over it" if overrides else ""
    typer.echo(f"Content is valid ({', '.join(content.locales)}){laid_over}.")


def main() -> None:
    # Loading makes long-lived objects, not garbage: the collector waits until a command's
    # modules are loaded (`_loading`); a command that loads none ends soon, its few cycles
    # freed at exit.
    gc.disable()
    problems = foreign_packages()
    if problems:
        for problem in problems:
            typer.echo(f"Rebound cannot start: {problem}.", err=True)
        sys.exit(2)
    app(prog_name="rebound")
    sys.exit(0)
