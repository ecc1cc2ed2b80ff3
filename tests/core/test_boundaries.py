"""The core stays platform-neutral: no platform SDK and no adapter is imported from bot/."""

from __future__ import annotations

import ast
from pathlib import Path

FORBIDDEN = {"slack_bolt", "slack_sdk", "discord", "adapters"}
BOT = Path(__file__).resolve().parents[2] / "bot"


def _imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_bot_imports_no_platform_library() -> None:
    offenders = {
        str(path.relative_to(BOT.parent)): sorted(_imported_roots(path) & FORBIDDEN)
        for path in BOT.rglob("*.py")
        if _imported_roots(path) & FORBIDDEN
    }
    assert offenders == {}


def test_nothing_in_the_core_reads_the_wall_clock() -> None:
    """Time is a port: only bot/common/clock.py may call datetime.now()."""
    readers = [
        str(path.relative_to(BOT.parent))
        for path in BOT.rglob("*.py")
        if path.name != "clock.py"
        and ("datetime.now(" in path.read_text() or "utcnow(" in path.read_text())
    ]
    assert readers == []
