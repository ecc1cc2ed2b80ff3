"""What every benchmark shares: result records, percentiles, tables and a trivial outbox."""

from __future__ import annotations

import itertools
import math
import os
import secrets
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Literal

import asyncpg
from sqlalchemy.engine import URL, make_url

from bot.contract.intents import Intent, Send, StartThread
from bot.contract.ports import Attempt, Capabilities, Delivered

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
POSTGRES_CONNECT_TIMEOUT_S = 2.0


@dataclass(frozen=True)
class Goal:
    """A target for a figure: `value >= threshold` or `value <= threshold`."""

    op: Literal[">=", "<="]
    threshold: float

    def met_by(self, value: float) -> bool:
        return value >= self.threshold if self.op == ">=" else value <= self.threshold


@dataclass(frozen=True)
class Figure:
    """One measured number; `goal` makes it count towards PASS/MISS in the summary."""

    label: str
    value: float
    unit: str
    goal: Goal | None = None
    key: bool = False
    """Shown in the final summary even without a goal (figures with a goal always are)."""

    @property
    def verdict(self) -> str:
        if self.goal is None:
            return ""
        return "PASS" if self.goal.met_by(self.value) else "MISS"


@dataclass
class BenchResult:
    """What one benchmark found: its figures (in display order) and free-form notes."""

    name: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(
        self, label: str, value: float, unit: str, goal: Goal | None = None, *, key: bool = False
    ) -> Figure:
        figure = Figure(label, value, unit, goal, key)
        self.figures.append(figure)
        return figure

    def figure(self, label: str) -> Figure:
        """The figure called `label` (KeyError if there is none)."""
        for figure in self.figures:
            if figure.label == label:
                return figure
        raise KeyError(label)


def percentile(samples: Sequence[float], q: float) -> float:
    """The nearest-rank `q`-th percentile (0 < q <= 100) of `samples`; 0.0 when empty."""
    if not samples:
        return 0.0
    ordered = sorted(samples)
    rank = max(math.ceil(q / 100 * len(ordered)), 1)
    return ordered[rank - 1]


def format_value(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.3f}".rstrip("0").rstrip(".") if value else "0"


def format_goal(goal: Goal | None, unit: str) -> str:
    if goal is None:
        return ""
    return f"{goal.op} {format_value(goal.threshold)} {unit}".rstrip()


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> str:
    """A plain-text table; columns whose index is in `right` are right-aligned."""
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]

    def line(cells: Sequence[str]) -> str:
        parts = [
            cell.rjust(width) if i in right else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])


def render(result: BenchResult) -> str:
    """A benchmark's own section: every figure, its goal and verdict, then the notes."""
    rows = [
        [f.label, format_value(f.value), f.unit, format_goal(f.goal, f.unit), f.verdict]
        for f in result.figures
    ]
    body = table(["figure", "value", "unit", "goal", ""], rows, right={1})
    notes = "".join("\n  * " + note.replace("\n", "\n      ") for note in result.notes)
    return f"== {result.title} ==\n{body}{notes}\n"


@dataclass
class CountingOutbox:
    """An outbox that sends nowhere: invents ids for messages and remembers the last thread."""

    capabilities: Capabilities = field(default_factory=lambda: Capabilities(tags=True))
    delivered: int = 0
    last_thread_ref: str | None = None
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def deliver(self, intent: Intent, attempt: Attempt | None = None) -> Delivered | None:
        self.delivered += 1
        if isinstance(intent, StartThread):
            self.last_thread_ref = f"out-{next(self._ids)}"
            return Delivered(self.last_thread_ref)
        if isinstance(intent, Send):
            return Delivered(f"out-{next(self._ids)}")
        return None


# --- PostgreSQL ---------------------------------------------------------------------------


def postgres_base_url() -> URL:
    return make_url(os.environ.get("REBOUND_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL)


def asyncpg_dsn(url: URL) -> str:
    """A libpq-style DSN for asyncpg from a SQLAlchemy URL (drops `+asyncpg`)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


async def postgres_unreachable(url: URL) -> str | None:
    """None when the server answers a trivial query, else why not."""
    try:
        conn = await asyncpg.connect(asyncpg_dsn(url), timeout=POSTGRES_CONNECT_TIMEOUT_S)
        try:
            await conn.fetchval("SELECT 1")
        finally:
            await conn.close()
    except Exception as exc:  # refused, timed out, auth failed, no such database...
        return f"{type(exc).__name__}: {exc}"
    return None


async def _admin(url: URL, statement: str) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(url), timeout=POSTGRES_CONNECT_TIMEOUT_S)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@asynccontextmanager
async def scratch_postgres(base: URL) -> AsyncIterator[URL]:
    """A fresh database `rebound_bench_<hex>` on the server of `base`, dropped afterwards."""
    name = f"rebound_bench_{secrets.token_hex(6)}"
    await _admin(base, f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name)
    finally:
        await _admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
