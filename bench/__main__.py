"""Run the benchmarks: `python -m bench [--quick] [--only NAME] [--no-postgres] [--dir DIR]`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import platform
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from bench import (
    care,
    core_throughput,
    discord_latency,
    library_search,
    many_workspaces,
    ops_overhead,
    outbox_recording,
    process_start,
    scheduler_tick,
    slack_ack,
    slack_pacing,
    templates,
    web_outcomes,
)
from bench.common import BenchResult, format_goal, format_value, render, table

Runner = Callable[[argparse.Namespace], Awaitable[BenchResult]]


def _core(args: argparse.Namespace) -> Awaitable[BenchResult]:
    return core_throughput.run(quick=args.quick, workdir=args.dir, postgres=not args.no_postgres)


def _scheduler(args: argparse.Namespace) -> Awaitable[BenchResult]:
    return scheduler_tick.run(quick=args.quick, postgres=not args.no_postgres, workdir=args.dir)


def _templates(args: argparse.Namespace) -> Awaitable[BenchResult]:
    return templates.run(quick=args.quick, workdir=args.dir)


def _slack_ack(args: argparse.Namespace) -> Awaitable[BenchResult]:
    return slack_ack.run(quick=args.quick, workdir=args.dir)


def _slack_pacing(args: argparse.Namespace) -> Awaitable[BenchResult]:
    return slack_pacing.run(
        quick=args.quick, asks=args.slack_asks, rate=args.slack_rate, workdir=args.dir
    )


def _outbox(args: argparse.Namespace) -> Awaitable[BenchResult]:
    return outbox_recording.run(quick=args.quick, workdir=args.dir)


def _process_start(args: argparse.Namespace) -> Awaitable[BenchResult]:
    return process_start.run(quick=args.quick, workdir=args.dir)


def _ops(args: argparse.Namespace) -> Awaitable[BenchResult]:
    return ops_overhead.run(quick=args.quick, workdir=args.dir)


def _care(args: argparse.Namespace) -> Awaitable[BenchResult]:
    return care.run(quick=args.quick, workdir=args.dir)


def _discord(args: argparse.Namespace) -> Awaitable[BenchResult]:
    return discord_latency.run(quick=args.quick, workdir=args.dir)


def _library(args: argparse.Namespace) -> Awaitable[BenchResult]:
    return library_search.run(quick=args.quick, postgres=not args.no_postgres, workdir=args.dir)


def _web(args: argparse.Namespace) -> Awaitable[BenchResult]:
    return web_outcomes.run(quick=args.quick, postgres=not args.no_postgres, workdir=args.dir)


def _many_workspaces(args: argparse.Namespace) -> Awaitable[BenchResult]:
    return many_workspaces.run(quick=args.quick, postgres=not args.no_postgres, workdir=args.dir)


BENCHMARKS: dict[str, Runner] = {
    core_throughput.NAME: _core,
    scheduler_tick.NAME: _scheduler,
    templates.NAME: _templates,
    slack_ack.NAME: _slack_ack,
    slack_pacing.NAME: _slack_pacing,
    discord_latency.NAME: _discord,
    outbox_recording.NAME: _outbox,
    process_start.NAME: _process_start,
    ops_overhead.NAME: _ops,
    care.NAME: _care,
    library_search.NAME: _library,
    web_outcomes.NAME: _web,
    many_workspaces.NAME: _many_workspaces,
}


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes (seconds, not minutes)")
    parser.add_argument(
        "--only", choices=sorted(BENCHMARKS), action="append", help="run only this (repeatable)"
    )
    parser.add_argument(
        "--no-postgres", action="store_true", help="skip PostgreSQL even when reachable"
    )
    parser.add_argument(
        "--dir",
        type=Path,
        default=None,
        help="where the temporary SQLite files go (default: TMPDIR)",
    )
    parser.add_argument(
        "--slack-asks",
        type=int,
        default=None,
        help=f"slack_pacing: due outcome asks (default {slack_pacing.FULL_ASKS:,})",
    )
    parser.add_argument(
        "--slack-rate",
        type=int,
        default=None,
        help="slack_pacing: chat.postMessage calls per second the fake allows "
        f"(default {slack_pacing.DEFAULT_RATE})",
    )
    return parser.parse_args(argv)


def summary(results: Sequence[BenchResult]) -> str:
    """Every figure with a goal (and the key context figures), next to its goal."""
    rows = [
        [
            result.name,
            f.label,
            format_value(f.value),
            f.unit,
            format_goal(f.goal, f.unit),
            f.verdict,
        ]
        for result in results
        for f in result.figures
        if f.goal is not None or f.key
    ]
    return table(["benchmark", "figure", "value", "unit", "goal", "verdict"], rows, right={2})


def machine() -> str:
    return (
        f"Python {platform.python_version()} on {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPUs"
    )


async def run_all(args: argparse.Namespace) -> list[BenchResult]:
    results: list[BenchResult] = []
    for name in args.only or list(BENCHMARKS):
        print(f"running {name}{' (quick)' if args.quick else ''} ...", flush=True)
        started = time.perf_counter()
        result = await BENCHMARKS[name](args)
        print(f"{render(result)}  ({time.perf_counter() - started:.1f} s)\n", flush=True)
        results.append(result)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    print(f"Rebound benchmarks: {machine()}\n", flush=True)
    results = asyncio.run(run_all(args))
    print("== Summary ==")
    print(summary(results))
    missed = sum(f.verdict == "MISS" for r in results for f in r.figures)
    print(f"\n{missed} goal(s) missed" if missed else "\nall goals met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
