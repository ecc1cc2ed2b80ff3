"""Entry points of the console adapter: play a script, or chat interactively.

Both build the real core through `bot.engine.bootstrap.build_rebound` on a ManualClock;
`run_script` and `run_interactive` take any core (tests pass a fake).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from adapters.console.bridge import ConsoleBridge, Core, open_session
from adapters.console.community import CONSOLE_SETTINGS
from adapters.console.repl import Read, Repl, Write, read_line
from adapters.console.runner import run_script
from adapters.console.script import ScriptError, load_script
from adapters.console.transcript import Transcript
from bot.api import ManualClock, Member

__all__ = [
    "DEFAULT_MEMBERS",
    "ConsoleBridge",
    "interactive",
    "play_script",
    "run_interactive",
    "run_script",
]

DEFAULT_MEMBERS = (
    Member(user_id="U1", display_name="Maya"),
    Member(user_id="U2", display_name="Jo"),
    Member(user_id="U3", display_name="Priya"),
    Member(user_id="U9", display_name="Sam", is_moderator=True),
)
"""Who is in the interactive console unless told otherwise."""


async def _build_core(database_url: str, clock: ManualClock) -> Core:
    # Imported here so the adapter imports (and its tests run) without the store.
    from bot.api import build_rebound  # noqa: PLC0415

    return await build_rebound(database_url, clock)


async def play_script(
    path: Path, database_url: str, transcript_path: Path | None = None
) -> Transcript:
    """Check and play the script at `path` on the real core; optionally write JSON Lines."""
    script = load_script(path)
    core = await _build_core(database_url, ManualClock(script.start))
    try:
        transcript = await run_script(script, core)
    except ScriptError as problem:
        # A script that stopped part-way still leaves what happened until then.
        if transcript_path is not None and problem.transcript is not None:
            problem.transcript.write_jsonl(transcript_path)
        raise
    finally:
        await core.close()
    if transcript_path is not None:
        transcript.write_jsonl(transcript_path)
    return transcript


async def interactive(
    database_url: str,
    *,
    members: Iterable[Member] = DEFAULT_MEMBERS,
    read: Read = read_line,
    write: Write = print,
) -> None:
    """Chat with the real core at the terminal; time moves only with /wait."""
    clock = ManualClock(datetime.now(UTC).replace(second=0, microsecond=0))
    core = await _build_core(database_url, clock)
    try:
        await run_interactive(core, members=members, read=read, write=write)
    finally:
        await core.close()


async def run_interactive(
    core: Core,
    *,
    members: Iterable[Member] = DEFAULT_MEMBERS,
    community: str | None = None,
    read: Read = read_line,
    write: Write = print,
) -> None:
    """The REPL on `core`. The default community is new for each run
    (`live-<time>`), so a database kept between runs never mixes two worlds' ids."""
    name = community or f"live-{core.clock.now():%Y%m%d-%H%M%S}"
    session = await open_session(core, community=name, members=members, settings=CONSOLE_SETTINGS)
    try:
        await Repl(session, read=read, write=write).run()
    except (KeyboardInterrupt, asyncio.CancelledError):
        # Ctrl-C: leave at once, without a traceback; the caller still closes the core.
        task = asyncio.current_task()
        if task is not None:
            task.uncancel()
        write("")  # end the line the prompt was on
