"""One version, Rebound's own `bot` and `adapters`, and the two locks kept apart."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from typer.testing import CliRunner

from adapters.cli import app
from adapters.identity import foreign_packages

ROOT = Path(__file__).resolve().parents[2]
REBOUND = Path(sys.executable).parent / "rebound"
DEV_TOOLS = {"pytest", "pytest-asyncio", "ruff", "mypy", "types-pyyaml", "import-linter"}


def test_version_is_the_package_metadatas() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"rebound {metadata.version('rebound')}"
    assert re.search(r'^version = "(.+)"$', (ROOT / "pyproject.toml").read_text("utf-8"), re.M)


def test_rebounds_own_packages_are_recognised() -> None:
    assert foreign_packages() == []


def test_a_foreign_bot_package_stops_the_cli_naming_its_path(tmp_path: Path) -> None:
    foreign = tmp_path / "bot" / "__init__.py"
    foreign.parent.mkdir()
    foreign.write_text('"""Somebody else\'s bot."""\n', "utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    done = subprocess.run(
        [str(REBOUND), "--version"],
        env={**env, "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert f"the package 'bot' imported from {foreign} is not Rebound's" in done.stderr
    assert "rebound " not in done.stdout


def _pins(name: str) -> dict[str, str]:
    lines = (ROOT / name).read_text("utf-8").splitlines()
    return dict(line.split("==") for line in lines if "==" in line and not line.startswith("#"))


def test_the_runtime_lock_holds_no_dev_tool_and_the_dev_lock_the_same_runtime() -> None:
    runtime, dev = _pins("requirements.lock"), _pins("requirements-dev.lock")
    assert DEV_TOOLS & runtime.keys() == set()
    assert dev.keys() >= DEV_TOOLS
    assert {name: dev.get(name) for name in runtime} == runtime
    assert {"slack-bolt", "discord-py", "sqlalchemy", "alembic"} <= runtime.keys()
