"""The library benchmark runs end to end on a small generated corpus and reports positive
figures on both databases (no timing thresholds: figures depend on the machine)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bench import library_search
from bench.__main__ import BENCHMARKS


async def test_library_benchmark_small(tmp_path: Path, postgres_url: str) -> None:
    sizes = library_search.Sizes(setbacks=200, replies=600, featured=40, posts=3, queries=20)
    result = await library_search.run(sizes=sizes, workdir=tmp_path)

    assert library_search.NAME in BENCHMARKS
    for side in ("SQLite", "PostgreSQL"):
        for label in ("library p95", "raw index p95", "suggestions p95", "post without p99"):
            assert result.figure(f"{side} {label}").value > 0
        assert (
            result.figure(f"{side} library p95").value >= result.figure(f"{side} library p50").value
        )
        assert result.figure(f"{side} index bytes per answer").value > 0
        assert result.figure(f"{side} library CPU p95").value > 0
        assert result.figure(f"{side} post to suggestions shown p99").value > 0
    assert not any("SKIPPED" in note for note in result.notes)
    leftovers = await asyncio.to_thread(lambda: list(tmp_path.iterdir()))
    assert leftovers == []  # the temporary database is gone
