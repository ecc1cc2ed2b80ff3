"""`python -m bench.instructions`: the core's timed loop counted under callgrind."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import instructions


def test_the_counted_loop_is_the_workloads_ops_alone(capsys: pytest.CaptureFixture[str]) -> None:
    assert instructions.main(["--posts", "2"]) == 0
    out = capsys.readouterr().out
    assert "core ops counted      10" in out  # 2 posts x (post, 3 replies, mark)
    per_op = int(out.split("instructions per op")[1].split()[0].replace(",", ""))
    # The loop alone: a core op is hundreds of thousands of instructions; the process's
    # start (imports, migrations, the warm-up) is hundreds of millions and is not counted.
    assert 100_000 < per_op < 20_000_000


def test_totals_are_read_from_a_dump(tmp_path: Path) -> None:
    dump = tmp_path / "callgrind.1.1"
    dump.write_text("events: Ir\nsummary: 12\ntotals: 345\n")
    assert instructions.instructions_in(dump) == 345
    dump.write_text("events: Ir\n")
    with pytest.raises(ValueError, match="no totals"):
        instructions.instructions_in(dump)
