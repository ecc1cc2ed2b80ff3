"""`rebound backup` / `rebound restore` for the SQLite default, with SQLite's online backup
API: a backup is one consistent snapshot even while Rebound keeps writing (WAL readers do not
block the writer). PostgreSQL is backed up with its own tools (docs/operations.md)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupProblem(Exception):
    """Said to the operator as it is: names paths and reasons, never data."""


def sqlite_path(database_url: str) -> Path:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise BackupProblem(
            "backup and restore are for SQLite; back PostgreSQL up with pg_dump "
            "(docs/operations.md, Backups)"
        )
    if not url.database or url.database == ":memory:":
        raise BackupProblem("the database is in memory: there is nothing to back up")
    return Path(url.database)


def _check(connection: sqlite3.Connection, what: str) -> None:
    (verdict,) = connection.execute("PRAGMA integrity_check").fetchone()
    if verdict != "ok":
        raise BackupProblem(f"{what} failed its integrity check")
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    if "alembic_version" not in tables:
        raise BackupProblem(f"{what} is not a Rebound database (no migration recorded)")


def backup(database_url: str, destination: Path) -> int:
    """Copy the live database to `destination` (which must not exist); returns its pages."""
    source_path = sqlite_path(database_url)
    if not source_path.exists():
        raise BackupProblem(f"{source_path} does not exist")
    if destination.exists():
        raise BackupProblem(f"{destination} exists already; pick a new file")
    source = sqlite3.connect(source_path)
    target = sqlite3.connect(destination)
    try:
        source.backup(target)  # all pages in one step: one snapshot
        _check(target, f"the backup {destination}")
        (pages,) = target.execute("PRAGMA page_count").fetchone()
        return int(pages)
    finally:
        target.close()
        source.close()


def restore(backup_file: Path, database_url: str) -> None:
    """Replace the database's contents with `backup_file`'s (stop Rebound first)."""
    target_path = sqlite_path(database_url)
    if not backup_file.exists():
        raise BackupProblem(f"{backup_file} does not exist")
    source = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    target = sqlite3.connect(target_path)
    try:
        _check(source, f"the backup {backup_file}")
        source.backup(target)
        _check(target, f"the restored {target_path}")
    finally:
        target.close()
        source.close()
