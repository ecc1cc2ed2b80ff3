"""Schema migrations (alembic), run on the async engine the bot uses.

A database already at the scripts' head is left alone without importing alembic (a large
part of a process's start-up): the heads are read from the scripts' `revision` and
`down_revision` lines, and anything those lines cannot say for sure runs alembic.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_REVISION = re.compile(r"^revision\s*(?::[^=\n]*)?=\s*[\"']([^\"'\n]+)[\"']\s*$", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision\s*(?::[^=\n]*)?=\s*(.+)$", re.MULTILINE)
_QUOTED = re.compile(r"[\"']([^\"']+)[\"']")


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config  # noqa: PLC0415  (lazy: see the module doc)

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def script_heads(versions: Path = MIGRATIONS / "versions") -> frozenset[str] | None:
    """The head revisions of the scripts, read from their text; None when a script does
    not state both lines plainly (alembic decides then)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in versions.glob("*.py"):
        source = script.read_text(encoding="utf-8")
        revision, down = _REVISION.search(source), _DOWN_REVISION.search(source)
        if revision is None or down is None:
            return None
        revisions.add(revision.group(1))
        parents.update(_QUOTED.findall(down.group(1)))
    heads = frozenset(revisions - parents)
    return heads or None


@cache  # the scripts ship with the code: they do not change while it runs
def head_revisions() -> frozenset[str]:
    """The scripts' heads: from their text, else (a script not stated plainly) alembic's."""
    heads = script_heads()
    if heads is not None:
        return heads
    from alembic.script import ScriptDirectory  # noqa: PLC0415  (lazy: see the module doc)

    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


async def database_revisions(connection: AsyncConnection) -> frozenset[str]:
    """The revisions the database is at (none for a new database), as alembic records
    them in `alembic_version`."""
    present = await connection.run_sync(lambda sync: inspect(sync).has_table("alembic_version"))
    if not present:
        return frozenset()
    found = await connection.execute(text("SELECT version_num FROM alembic_version"))
    return frozenset(str(row[0]) for row in found)


async def at_head(engine: AsyncEngine) -> bool:
    """Whether the database's revisions are exactly the scripts' heads."""
    heads = script_heads()
    if heads is None:
        return False
    async with engine.connect() as connection:
        return await database_revisions(connection) == heads


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema to `revision`; safe to run from several replicas in turn."""
    if revision == "head" and await at_head(engine):
        return

    def _upgrade(connection: Connection) -> None:
        from alembic import command  # noqa: PLC0415

        command.upgrade(alembic_config(connection), revision)

    async with engine.begin() as connection:
        await connection.run_sync(_upgrade)


async def revise(engine: AsyncEngine, message: str) -> None:
    """Write a new migration from the difference between the tables and the database."""

    def _revise(connection: Connection) -> None:
        from alembic import command  # noqa: PLC0415

        command.revision(alembic_config(connection), message=message, autogenerate=True)

    async with engine.begin() as connection:
        await connection.run_sync(_revise)
