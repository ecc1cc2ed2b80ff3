"""`rebound doctor`: one line per check with its verdict and, when it failed, the fix; the
exit code is 1 when any check failed."""

from __future__ import annotations

import asyncio
import os

from rich.console import Console
from rich.markup import escape

from adapters.doctor_checks import Verdict, run_all


def render(verdicts: list[Verdict], console: Console) -> None:
    for verdict in verdicts:
        mark = "[green]✔ ok  [/]" if verdict.ok else "[red]✘ FAIL[/]"
        line = f"{mark} [bold]{escape(verdict.check)}[/]: {escape(verdict.detail)}"
        if not verdict.ok:
            line += f" [yellow]→ fix: {escape(verdict.fix)}[/]"
        console.print(line, soft_wrap=True)
    failures = sum(not v.ok for v in verdicts)
    if failures:
        console.print(f"[red]{failures} of {len(verdicts)} checks failed.[/]")
    else:
        console.print(f"[green]All {len(verdicts)} checks passed.[/]")


def diagnose(console: Console | None = None) -> int:
    """Run every check, print them; the exit code."""
    verdicts = asyncio.run(run_all(dict(os.environ)))
    render(verdicts, console or Console())
    return 0 if all(v.ok for v in verdicts) else 1
