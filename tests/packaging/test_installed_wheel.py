"""Rebound as a user installs it: the wheel, built from a copy of the sources, installed with
the runtime lock into a fresh venv, and run from a folder that is not the repository.

The slowest test of the suite (a few seconds: the build, the install from uv's cache, a demo).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# What a clean clone needs to build the wheel (everything else is left behind).
SOURCES = ("pyproject.toml", "setup.py", "README.md", "bot", "adapters", "content")
# make venv puts uv beside the interpreter; elsewhere, the one on PATH.
_UV_BESIDE = Path(sys.executable).parent / "uv"
UV = str(_UV_BESIDE) if _UV_BESIDE.exists() else shutil.which("uv")
TIMEOUT_S = 600
# Under pytest-xdist the module's tests share one worker, so the wheel is built and installed once.
pytestmark = pytest.mark.xdist_group("installed_wheel")


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    workdir: Path

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        """A command of the venv, in the work folder, with none of the test run's settings."""
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("REBOUND_", "PYTHON"))}
        return subprocess.run(
            [str(self.venv / "bin" / args[0]), *args[1:]],
            cwd=self.workdir,
            env={**clean, **env},
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )

    def rebound(self, *args: str, **env: str) -> str:
        """Run `rebound`, failing on any error; its standard output."""
        done = self.run("rebound", *args, **env)
        assert done.returncode == 0, f"rebound {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done.stdout


def _must(*command: str | Path, cwd: Path | None = None) -> None:
    done = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    assert done.returncode == 0, f"{command}:\n{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    tmp = tmp_path_factory.mktemp("packaging")
    clone = tmp / "clone"
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, clone / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            clone.mkdir(exist_ok=True)
            shutil.copy2(source, clone / name)
    assert UV is not None, "uv is needed to build and install the wheel"
    _must(UV, "build", "--wheel", "--quiet", "--out-dir", tmp / "dist", clone)
    (wheel,) = (tmp / "dist").glob("rebound-*.whl")
    venv = tmp / "venv"
    _must(UV, "venv", "--quiet", "--python", sys.executable, venv)
    python = venv / "bin" / "python"
    lock = ROOT / "requirements.lock"
    _must(UV, "pip", "install", "--quiet", "--python", python, "--no-deps", "-r", lock, wheel)
    _must(UV, "pip", "check", "--quiet", "--python", python)
    workdir = tmp / "elsewhere"
    workdir.mkdir()
    return Installed(wheel, venv, workdir)


def _repository_files(folder: str, pattern: str) -> set[str]:
    return {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / folder).rglob(pattern)
        if "__pycache__" not in path.parts
    }


def test_the_wheel_carries_the_code_the_migrations_and_every_word(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    code = _repository_files("bot", "*.py") | _repository_files("adapters", "*.py")
    assert code - names == set()
    assert "bot/store/migrations/script.py.mako" in names
    content = {
        f"bot/_content/{Path(name).relative_to('content').as_posix()}"
        for name in _repository_files("content", "*.yaml")
    }
    assert len(content) >= 4
    assert content - names == set()
    assert not {name.split("/")[0] for name in names} - {"bot", "adapters", _dist_info(names)}


def _dist_info(names: set[str]) -> str:
    return next(name.split("/")[0] for name in names if ".dist-info/" in name)


def test_the_demo_plays_from_the_installed_package(installed: Installed) -> None:
    out = installed.rebound("demo")
    assert out.startswith("=== 2026-03-02 Mon ===")
    assert "[Share a setback]" in out
    assert len(out.splitlines()) > 50
    assert not list(installed.workdir.iterdir()), "the demo left files in the working folder"


def test_content_check_passes_and_reads_a_community_folder(installed: Installed) -> None:
    assert installed.rebound("content", "check").strip() == "Content is valid (en)."
    community = installed.workdir / "community" / "en"
    community.mkdir(parents=True)
    (community / "messages.yaml").write_text("form.setback.submit: Share it {who}\n", "utf-8")
    done = installed.run("rebound", "content", "check", REBOUND_CONTENT_DIR=str(community.parent))
    assert done.returncode == 1
    assert f"{community / 'messages.yaml'}:1:" in done.stderr


def test_migrate_creates_a_fresh_sqlite_schema(installed: Installed) -> None:
    database = installed.workdir / "fresh.db"
    out = installed.rebound("migrate", REBOUND_DATABASE_URL=f"sqlite+aiosqlite:///{database}")
    assert "up to date" in out
    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("select name from sqlite_master")}
        (version,) = connection.execute("select version_num from alembic_version").fetchone()
    assert {"alembic_version", "processed_event", "outbound"} <= tables
    assert version


def test_version_comes_from_the_package_metadata(installed: Installed) -> None:
    assert installed.rebound("--version").strip() == f"rebound {metadata.version('rebound')}"


def test_the_words_load_from_the_zipped_wheel(installed: Installed) -> None:
    """importlib.resources reads content/ straight from a zip, with no file on disk."""
    check = (
        "import bot, bot.words.content as c; "
        f"assert bot.__file__.startswith({str(installed.wheel)!r}), bot.__file__; "
        "print(c.load_content().locales, len(c.load_content().templates().templates))"
    )
    done = installed.run("python", "-c", check, PYTHONPATH=str(installed.wheel))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("('en',) ")
