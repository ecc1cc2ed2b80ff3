"""The web page's benchmark runs end to end on small generated communities and reports
positive figures on both databases (no timing thresholds: figures depend on the machine)."""

from __future__ import annotations

from pathlib import Path

from bench import web_outcomes
from bench.__main__ import BENCHMARKS


async def test_web_outcomes_benchmark_small(tmp_path: Path, postgres_url: str) -> None:
    result = await web_outcomes.run(setbacks=2_000, baseline=200, requests=5, workdir=tmp_path)

    assert web_outcomes.NAME in BENCHMARKS
    for side in ("SQLite", "PostgreSQL"):
        for label in ("p95 at 200", "p95 at 2,000", "CPU p95 at 2,000"):
            assert result.figure(f"{side} {label}").value > 0
        assert result.figure(f"{side} p95 2,000/200").goal is not None
    assert not any("SKIPPED" in note for note in result.notes)
