"""The composition root: picks the store, clock and content, and builds the core."""

from __future__ import annotations

import os
import socket
import uuid
from datetime import timedelta
from pathlib import Path

from bot.common.settings import CoreSettings
from bot.contract.ports import Clock
from bot.engine.delivery import Policy
from bot.engine.runtime import Rebound
from bot.store.engine import create_engine
from bot.store.migrate import upgrade
from bot.store.repo import Store
from bot.words.content import Content, load_content


def worker_id() -> str:
    """Unique per process, readable in the follow-up table (host, pid, random suffix)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


async def build_rebound(
    database_url: str,
    clock: Clock,
    *,
    content_dir: Path | None = None,
    content: Content | None = None,
    migrate: bool = True,
    worker: str | None = None,
) -> Rebound:
    """A ready core on `database_url`, with the schema brought up to date first.

    `content_dir` is a community's folder laid over the packaged content (default:
    `REBOUND_CONTENT_DIR`); `content` already loaded replaces both (tests load it once).
    """
    settings = CoreSettings()
    if content is None:
        content = load_content(overrides=content_dir or settings.content_dir)
    engine = create_engine(database_url)
    if migrate:
        await upgrade(engine)
    return Rebound(
        Store(engine),
        content,
        clock,
        worker or worker_id(),
        delivery_policy(settings),
        settings_cache_size=settings.settings_cache_size,
    )


def delivery_policy(settings: CoreSettings | None = None) -> Policy:
    """The outbox's lease and give-up age from `REBOUND_OUTBOX_LEASE_SECONDS` and
    `REBOUND_GIVE_UP_AFTER_HOURS`."""
    settings = settings or CoreSettings()
    return Policy(
        lease=timedelta(seconds=settings.outbox_lease_seconds),
        give_up_after=timedelta(hours=settings.give_up_after_hours),
    )
