"""The care benchmark runs end to end in --quick mode (figures, not timings, are checked)."""

from __future__ import annotations

from pathlib import Path

from bench import care


async def test_care_bench_quick(tmp_path: Path) -> None:
    result = await care.run(quick=True, workdir=tmp_path)
    assert result.figure("export parts").value == 1
    assert result.figure("screen p99").value >= result.figure("screen p50").value > 0
    assert result.figure("biggest part").value > 0
