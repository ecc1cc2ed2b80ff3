"""The real `rebound slack` process, against a fake Slack in the test's own process.

It runs the installed CLI entry point with settings in its environment, on a SQLite file
the test reads back with the standard library (WAL: a committed row is visible, and
survives SIGKILL). Its log (stderr) is collected for tracebacks and start-up lines.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sqlite3
import sys
from collections.abc import Iterable
from pathlib import Path

from tests.adapters.slack.slack_requests import SIGNING_SECRET
from tests.adapters.slack.workspace import HELPERS, SUPPORT

START_TIMEOUT_S = 60.0
LISTENING = re.compile(r"(?:listening on|health checks on) port (\d+)")


def environment(api_url: str, database: Path | str, **extra: str) -> dict[str, str]:
    """The process's environment: Slack settings only from here, none inherited.

    `database` is a SQLite file, or any database's URL.
    """
    url = database if isinstance(database, str) else f"sqlite+aiosqlite:///{database}"
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "REBOUND_"))}
    return {
        **inherited,
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": api_url,
        "SLACK_SUPPORT_CHANNEL": SUPPORT,
        "SLACK_HELPERS_CHANNEL": HELPERS,
        "SLACK_CHANNEL_INTERVAL_S": "0",
        "REBOUND_DATABASE_URL": url,
        "REBOUND_LOG_LEVEL": "INFO",
        **extra,
    }


class SlackProcess:
    def __init__(self, env: dict[str, str], folder: Path) -> None:
        self.env = env
        self.folder = folder  # its working directory: no stray .env file is read
        self.log: list[str] = []
        self.port: int | None = None
        self._process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._listening = asyncio.Event()
        self._logged = asyncio.Condition()

    async def start(self, *, wait: bool = True) -> SlackProcess:
        self._process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            "from adapters.cli import main; main()",
            "slack",
            "--port",
            "0",
            env=self.env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
            cwd=self.folder,
        )
        self._reader = asyncio.create_task(self._read())
        if wait:
            listening = asyncio.create_task(self._listening.wait())
            done, _ = await asyncio.wait(
                {listening, self._reader}, timeout=START_TIMEOUT_S, return_when="FIRST_COMPLETED"
            )
            if listening not in done:
                listening.cancel()
                # Exited, or still silent: say what it logged, not just that time ran out.
                tail = "\n".join(self.log[-25:])
                raise AssertionError(f"rebound slack did not start listening:\n{tail}")
        return self

    async def _read(self) -> None:
        assert self._process is not None and self._process.stderr is not None
        async for raw in self._process.stderr:
            line = raw.decode(errors="replace").rstrip()
            async with self._logged:
                self.log.append(line)
                self._logged.notify_all()
            found = LISTENING.search(line)
            if found:
                self.port = int(found.group(1))
                self._listening.set()

    async def logged(self, text: str, timeout_s: float = 30.0) -> None:
        """Until a log line holds `text`."""
        async with asyncio.timeout(timeout_s), self._logged:
            await self._logged.wait_for(lambda: any(text in line for line in self.log))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def signal(self, number: signal.Signals) -> None:
        assert self._process is not None
        self._process.send_signal(number)

    async def exit_code(self, timeout_s: float = START_TIMEOUT_S) -> int:
        # A cap against hangs, not a speed check: it may include the whole start-up.
        assert self._process is not None and self._reader is not None
        async with asyncio.timeout(timeout_s):
            code = await self._process.wait()
            await self._reader
        return code

    async def kill(self) -> None:
        if self._process is not None and self._process.returncode is None:
            self._process.kill()
            await self.exit_code()

    def output(self) -> str:
        return "\n".join(self.log)


def event_ids(database: Path, table: str = "processed_event") -> set[str]:
    """The event ids decided (`processed_event`) or stored to be decided (`accepted_event`)."""
    with sqlite3.connect(database) as db:
        return {str(row[0]) for row in db.execute(f"SELECT event_id FROM {table}")}


def count(database: Path, table: str) -> int:
    with sqlite3.connect(database) as db:
        return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def missing(acknowledged: Iterable[str], database: Path) -> set[str]:
    """Acknowledged event ids the database does not hold: neither decided nor stored to be
    decided after the ack."""
    return set(acknowledged) - event_ids(database) - event_ids(database, "accepted_event")


def undecided(acknowledged: Iterable[str], database: Path) -> set[str]:
    """Acknowledged event ids not decided (yet)."""
    return set(acknowledged) - event_ids(database)
