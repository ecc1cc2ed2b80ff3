"""The process-start and many-workspaces benchmarks run end to end in --quick mode.

No timing thresholds (a timed test would flake): what each reports, and that it is sound.
"""

from __future__ import annotations

from pathlib import Path

from bench import many_workspaces, process_start
from bench.common import Goal


async def test_many_workspaces_quick_serves_every_reply_and_keeps_caches_bounded(
    tmp_path: Path,
) -> None:
    result = await many_workspaces.run(quick=True, postgres=False, workdir=tmp_path)

    assert result.figure("replies stored / sent").value == 100
    for label in ("ack p99 N / 1", "throughput 1 / N"):
        assert result.figure(label).goal == Goal("<=", 1.2)
        assert result.figure(label).value > 0
    workspaces = many_workspaces.QUICK_WORKSPACES
    assert result.figure("settings cache after the run").value == workspaces
    assert result.figure("workspace cache after the run").value == workspaces
    for cache in ("settings", "workspace"):
        assert result.figure(f"{cache} cache bound").value >= workspaces
    assert any("SQLite file" in note for note in result.notes)


async def test_process_start_quick_reports_rebound_bare_and_floor(tmp_path: Path) -> None:
    result = await process_start.run(quick=True, workdir=tmp_path)

    assert result.figure("rebound / bare Bolt").goal == Goal("<=", 1.5)
    for label in (
        "rebound slack start to ready p50",
        "rebound slack CPU p50",
        "bare Bolt app start to ready p50",
        "floor: bare Bolt + database stack p50",
        "bare Bolt + database stack only p50",
        "rebound / floor, CPU",
    ):
        assert result.figure(label).value > 0
