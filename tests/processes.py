"""Running the real `rebound` command in a child process, and killing it like a crash does."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import text

from bot.store.engine import create_engine

REBOUND = Path(sys.executable).parent / "rebound"
# Variables a developer's shell may hold that would point the child somewhere else.
CLEARED_PREFIXES = ("SLACK_", "DISCORD_", "REBOUND_")


class Rebound:
    """One `rebound ...` child process; its output goes to `log`."""

    def __init__(self, process: asyncio.subprocess.Process, log: Path) -> None:
        self.process = process
        self.log = log

    def kill(self) -> None:
        """SIGKILL: no clean-up, no last words, as when a machine dies."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)

    async def stop(self) -> int:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.process.wait(), 20)
        except TimeoutError:
            self.kill()
            return await self.process.wait()

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    async def ops_base_url(self, timeout_s: float = 60.0) -> str:
        """The URL of the ops endpoints, once the process logged the port it bound (started
        with REBOUND_HTTP_PORT=0, so no other test can take the port first)."""

        async def logged() -> bool:
            if self.process.returncode is not None:
                raise AssertionError(f"rebound exited early:\n{self.output()[-4000:]}")
            return OPS_PORT.search(self.output()) is not None

        await eventually(logged, timeout_s=timeout_s, every_s=0.05)
        found = OPS_PORT.search(self.output())
        assert found is not None
        return f"http://127.0.0.1:{found.group(1)}"


OPS_PORT = re.compile(r"health checks on port (\d+)")


@asynccontextmanager
async def running(args: list[str], env: Mapping[str, str], log: Path) -> AsyncIterator[Rebound]:
    """`rebound <args>` with `env` on top of a cleaned environment; stopped on the way out."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(CLEARED_PREFIXES)}
    with log.open("ab") as out:
        process = await asyncio.create_subprocess_exec(
            str(REBOUND), *args, env={**base, **env}, stdout=out, stderr=out
        )
    child = Rebound(process, log)
    try:
        yield child
    except BaseException:
        # What the process logged is the only witness of why a check timed out: pytest
        # shows a failing test's captured output.
        print(f"--- the end of {log.name} ---\n{child.output()[-6000:]}")
        raise
    finally:
        await child.stop()


KILL_POINTS = ("before_the_first_call", "between_calls", "during_an_unanswered_call")
"""Where a crash test kills the process: before the platform acted on any call, after some
calls were answered and before the next acted, or after the platform acted on a call and
before it answered."""


async def crash_then_recover(
    args: list[str],
    env: Mapping[str, str],
    log: Path,
    *,
    kill_when: Callable[[], Awaitable[None]],
    restart_when: Callable[[], None],
    done: Callable[[], Awaitable[bool]],
) -> None:
    """Run `rebound <args>`, SIGKILL it once `kill_when()` returns, call `restart_when()`,
    then run it again until `done()`."""
    async with running(args, env, log) as first:
        await kill_when()
        first.kill()
    restart_when()
    async with running(args, env, log):
        await eventually(done)


async def eventually(
    check: Callable[[], Awaitable[bool]], timeout_s: float = 90.0, every_s: float = 0.2
) -> None:
    """Until `check()` holds; a generous cap turns a hang into a failure."""
    async with asyncio.timeout(timeout_s):
        # Another process writes what is checked: nothing here could signal it.
        while not await check():  # noqa: ASYNC110
            await asyncio.sleep(every_s)


async def scalar(database_url: str, sql: str) -> int:
    """One number from the database, read on a connection of its own."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as db:
            return int((await db.execute(text(sql))).scalar_one())
    finally:
        await engine.dispose()
