"""The benchmarks run end to end in --quick mode and report positive figures.

No timing thresholds here: the figures depend on the machine, and a timed test would flake.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bench import (
    core_throughput,
    ops_overhead,
    outbox_recording,
    scheduler_tick,
    slack_ack,
    slack_pacing,
)
from bench.__main__ import main, parse_args, summary
from bench.common import BenchResult, Goal, percentile


def _assert_positive(result: BenchResult) -> None:
    assert result.figures
    for figure in result.figures:
        assert figure.value > 0, figure


async def test_core_throughput_quick(tmp_path: Path) -> None:
    result = await core_throughput.run(quick=True, workdir=tmp_path)

    _assert_positive(result)
    assert result.figure("core/raw same rows").goal == Goal(">=", 25.0)
    for side in ("core", "raw"):
        for op in ("post", "reply", "mark"):
            assert (
                result.figure(f"{side} {op} p99").value >= result.figure(f"{side} {op} p50").value
            )
    leftovers = await asyncio.to_thread(lambda: list(tmp_path.iterdir()))
    assert leftovers == []  # the temporary database files are gone


async def test_scheduler_tick_quick_on_sqlite(tmp_path: Path) -> None:
    result = await scheduler_tick.run(quick=True, postgres=False, workdir=tmp_path)

    _assert_positive(result)
    assert "10,000 future" in result.title
    assert any("SQLite: partial index" in note for note in result.notes)
    assert any("PostgreSQL SKIPPED" in note for note in result.notes)


@pytest.mark.postgres
async def test_scheduler_tick_quick_on_postgres(postgres_url: str) -> None:
    # The fixture only proves the server is up; the benchmark makes its own scratch database.
    result = await scheduler_tick.run(quick=True, future=2_000)

    _assert_positive(result)
    assert any(f.label.startswith("PostgreSQL ") for f in result.figures)
    assert not any("SKIPPED" in note for note in result.notes)


async def test_slack_ack_quick(tmp_path: Path) -> None:
    result = await slack_ack.run(quick=True, workdir=tmp_path)

    _assert_positive(result)
    for case in ("/setback", "thread reply"):
        assert result.figure(f"{case} p99 Rebound/bare+store").goal == Goal("<=", 1.2)
        assert result.figure(f"{case} p99 Rebound/bare").goal is None


async def test_slack_pacing_small(tmp_path: Path) -> None:
    result = await slack_pacing.run(asks=60, rate=1_000, workdir=tmp_path)

    assert result.figure("lost").value == 0
    assert result.figure("sent twice").value == 0
    assert result.figure("delivered rate").value > 0
    assert "60 due outcome asks" in result.title


def test_cli_quick_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--quick", "--only", "core_throughput", "--dir", str(tmp_path)])

    out = capsys.readouterr().out
    assert code == 0
    assert "== Summary ==" in out
    assert "core/raw same rows" in out


def test_options_and_helpers() -> None:
    args = parse_args(["--quick", "--only", "scheduler_tick", "--no-postgres"])
    assert args.quick and args.no_postgres and args.only == ["scheduler_tick"]
    slack = parse_args(["--only", "slack_pacing", "--slack-asks", "100", "--slack-rate", "50"])
    assert (slack.slack_asks, slack.slack_rate) == (100, 50)
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert percentile([1.0] * 99 + [50.0], 99) == 1.0
    assert percentile([], 50) == 0.0
    result = BenchResult("x", "X")
    result.add("fast enough", 10.0, "ms", Goal("<=", 20.0))
    result.add("slow", 30.0, "ms", Goal("<=", 20.0))
    result.add("context", 1.0, "s")
    text = summary([result])
    assert "PASS" in text and "MISS" in text and "context" not in text


async def test_templates_quick(tmp_path: Path) -> None:
    from bench import templates

    result = await templates.run(quick=True, workdir=tmp_path)

    _assert_positive(result)
    assert result.figure("fill+preview p99").goal is not None
    assert "10 templates" in result.notes[0]


async def test_outbox_recording_quick(tmp_path: Path) -> None:
    result = await outbox_recording.run(quick=True, workdir=tmp_path)

    _assert_positive(result)
    assert result.figure("per row / raw commit: CPU").goal == Goal("<=", 4.0)
    for side in ("per row", "batch"):
        assert result.figure(f"{side}: CPU per fired follow-up").value > 0


async def test_ops_overhead_quick(tmp_path: Path) -> None:
    result = await ops_overhead.run(quick=True, workdir=tmp_path)

    _assert_positive(result)
    for label in ("core with/without", "ack p99 with/without"):
        assert result.figure(label).goal == Goal("<=", 1.05)
    leftovers = await asyncio.to_thread(lambda: list(tmp_path.iterdir()))
    assert leftovers == []
