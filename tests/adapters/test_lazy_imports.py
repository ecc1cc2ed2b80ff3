"""Each command imports only what it needs: a guard against an eager import coming back.

Each case runs in a fresh interpreter (this one has imported everything already) and lists
the top-level packages it ended up with.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.api import migrate_database

HEAVY = frozenset(
    {"discord", "slack_bolt", "slack_sdk", "alembic", "mako", "cryptography", "sqlalchemy"}
)

HELP = """
import sys
from adapters.cli import app
try:
    app({args!r}, prog_name="rebound")
except SystemExit:
    pass
"""

IMPORT = "import {module}"

# A Slack adapter's core at work on SQLite: loaded as `rebound slack` loads it, and its first
# transactions, as it makes them before it is ready (the schema is current: migrating loads
# every dialect alembic knows).
SQLITE_CORE = """
import asyncio
from adapters.cli import _loading
with _loading():
    import adapters.slack.app
from bot.api import CommunitySettings, SystemClock, build_rebound

async def start() -> None:
    core = await build_rebound({url!r}, SystemClock())
    await core.ensure_community("slack:T1", "slack", CommunitySettings())
    await core.open_threads("slack:T1")
    await core.close()

asyncio.run(start())
"""

REPORT = """
import json
print(json.dumps(sorted(sys.modules)))
"""


def modules_after(code: str, env: dict[str, str] | None = None) -> set[str]:
    """The modules a new interpreter holds after running `code` (in `env`, if given)."""
    script = f"import sys\n{code}\n{REPORT}"
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env=env,
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def heavy_packages_after(code: str) -> set[str]:
    """The heavy packages a new interpreter holds after running `code`."""
    return {name.split(".")[0] for name in modules_after(code)} & HEAVY


@pytest.mark.parametrize("command", [["--help"], ["slack", "--help"], ["discord", "--help"]])
def test_help_imports_no_platform_nor_database(command: list[str]) -> None:
    assert heavy_packages_after(HELP.format(args=command)) == set()


def test_the_slack_adapter_imports_neither_discord_nor_alembic_nor_cryptography() -> None:
    found = heavy_packages_after(IMPORT.format(module="adapters.slack.app"))

    assert {"slack_bolt", "sqlalchemy"} <= found  # the check sees what is imported
    assert found.isdisjoint({"discord", "alembic", "mako", "cryptography"}), found


def test_the_slack_adapter_loads_socket_mode_only_to_run_it() -> None:
    found = modules_after(IMPORT.format(module="adapters.slack.app"))

    assert "slack_bolt.app.async_app" in found  # the check sees submodules
    assert not {name for name in found if "socket_mode" in name}


def test_the_discord_adapter_imports_no_slack_sdk_nor_alembic() -> None:
    found = heavy_packages_after(IMPORT.format(module="adapters.discord.app"))

    assert {"discord", "sqlalchemy"} <= found
    assert found.isdisjoint({"slack_bolt", "slack_sdk", "alembic", "mako", "cryptography"}), found


def test_the_console_imports_no_platform_sdk() -> None:
    found = heavy_packages_after(IMPORT.format(module="adapters.console.app"))

    assert "sqlalchemy" in found
    assert found.isdisjoint({"discord", "slack_bolt", "slack_sdk", "alembic", "mako"}), found


@pytest.fixture(scope="module")
def sqlite_core_modules(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('core') / 'rebound.db'}"
    asyncio.run(migrate_database(url))
    return modules_after(SQLITE_CORE.format(url=url))


def test_a_core_on_sqlite_never_loads_the_postgresql_dialect(sqlite_core_modules: set[str]) -> None:
    assert "sqlalchemy.dialects.sqlite" in sqlite_core_modules  # the check sees the dialect
    assert not _under("sqlalchemy.dialects.postgresql", sqlite_core_modules)


def test_a_core_started_by_the_cli_never_loads_the_orm(sqlite_core_modules: set[str]) -> None:
    assert "sqlalchemy.ext.asyncio.engine" in sqlite_core_modules  # the check sees SQLAlchemy
    assert not _under("sqlalchemy.orm", sqlite_core_modules)


def _under(package: str, modules: set[str]) -> set[str]:
    return {name for name in modules if name == package or name.startswith(f"{package}.")}


def test_a_core_started_again_reads_its_words_without_yaml(tmp_path: Path) -> None:
    """The first start parses content/ and keeps it beside the bytecode; the next reads it."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'rebound.db'}"
    asyncio.run(migrate_database(url))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(tmp_path / "pycache")

    first = modules_after(SQLITE_CORE.format(url=url), env)
    again = modules_after(SQLITE_CORE.format(url=url), env)

    assert "yaml" in first  # the check sees YAML
    assert "bot.words.content" in again and "yaml" not in again


def test_the_demo_loads_no_platform_sdk_nor_the_orm() -> None:
    found = modules_after(HELP.format(args=["demo"]))

    assert "adapters.console.app" in found and "alembic" in found  # it ran: a new database
    tops = {name.split(".")[0] for name in found}
    assert tops.isdisjoint({"discord", "slack_bolt", "slack_sdk", "aiohttp"}), tops
    assert not _under("sqlalchemy.orm", found)
