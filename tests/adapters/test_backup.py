"""`rebound backup` / `rebound restore` on SQLite: a consistent snapshot while another
connection keeps writing, and a restore that brings exactly that snapshot back."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from adapters.backup import BackupProblem, backup, restore
from adapters.cli import app


def _path(url: str) -> Path:
    return Path(str(make_url(url).database))


def _events(path: Path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {row[0] for row in db.execute("SELECT event_id FROM processed_event")}


class Writer(threading.Thread):
    """Writes events two to a transaction until stopped: a torn snapshot would hold one."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.path = path
        self.stop = threading.Event()
        self.pairs = 0
        self.started_writing = threading.Event()

    def run(self) -> None:
        db = sqlite3.connect(self.path, timeout=10)
        try:
            while not self.stop.is_set():
                with db:
                    for side in ("a", "b"):
                        db.execute(
                            "INSERT INTO processed_event VALUES ('slack:T1', ?, '2026-03-02')",
                            (f"{side}-{self.pairs}",),
                        )
                self.pairs += 1
                self.started_writing.set()
        finally:
            db.close()


def test_backups_taken_under_load_are_consistent_and_restore_brings_one_back(
    sqlite_url: str, tmp_path: Path
) -> None:
    live = _path(sqlite_url)
    writer = Writer(live)
    writer.start()
    assert writer.started_writing.wait(10)
    copies = []
    try:
        for n in range(5):
            copy = tmp_path / f"backup-{n}.db"
            assert backup(sqlite_url, copy) > 0
            copies.append(copy)
    finally:
        writer.stop.set()
        writer.join()
    sizes = []
    for copy in copies:
        events = _events(copy)
        pairs = {e.split("-", 1)[1] for e in events}
        assert events == {f"{side}-{n}" for n in pairs for side in "ab"}  # no half-written pair
        sizes.append(len(events))
    assert sizes == sorted(sizes)
    assert len(_events(live)) == writer.pairs * 2 > sizes[0]

    restore(copies[0], sqlite_url)

    assert _events(live) == _events(copies[0])


def test_a_backup_never_overwrites_and_a_restore_takes_only_rebound_databases(
    sqlite_url: str, tmp_path: Path
) -> None:
    existing = tmp_path / "there.db"
    existing.write_bytes(b"")
    with pytest.raises(BackupProblem, match="exists already"):
        backup(sqlite_url, existing)
    stranger = tmp_path / "stranger.db"
    sqlite3.connect(stranger).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(BackupProblem, match="not a Rebound database"):
        restore(stranger, sqlite_url)
    with pytest.raises(BackupProblem, match="pg_dump"):
        backup("postgresql+asyncpg://postgres@127.0.0.1/test", tmp_path / "pg.db")


def test_the_commands(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REBOUND_DATABASE_URL", sqlite_url)
    copy = tmp_path / "copy.db"
    result = CliRunner().invoke(app, ["backup", str(copy)])
    assert result.exit_code == 0, result.output
    assert f"Backed up to {copy}" in result.output
    with sqlite3.connect(_path(sqlite_url)) as db:
        db.execute("INSERT INTO processed_event VALUES ('slack:T1', 'later', '2026-03-02')")
    again = CliRunner().invoke(app, ["backup", str(copy)])
    assert again.exit_code == 2
    assert "exists already" in again.output
    result = CliRunner().invoke(app, ["restore", str(copy)])
    assert result.exit_code == 0, result.output
    assert "later" not in _events(_path(sqlite_url))
