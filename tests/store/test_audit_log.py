"""The audit log is append-only on both databases: the store refuses UPDATE and DELETE of
its rows whoever asks (a trigger), and the repository offers neither."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.expression import Executable

from bot.common.clock import ManualClock
from bot.domain.model import CommunitySettings
from bot.engine.bootstrap import build_rebound
from bot.store.audit_repo import AUDIT, AuditEntry, AuditRepo
from tests.support import START, shared_content

COMMUNITY = "console:audit"
WHEN = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def test_rows_can_be_added_and_read_but_never_changed_or_removed(database_url: str) -> None:
    core = await build_rebound(database_url, ManualClock(START), content=shared_content())
    try:
        await core.ensure_community(COMMUNITY, "console", CommunitySettings())
        store = core.store
        async with store.transaction() as repo:
            for reason in ("spam", "off topic"):
                entry = AuditEntry(action="hide", actor_id="U-sam", actor_name="Sam", reason=reason)
                await repo.audit.record(COMMUNITY, entry, WHEN)
        attempts: list[Executable] = [
            update(AUDIT).values(reason="nothing happened"),
            update(AUDIT).where(AUDIT.c.reason == "spam").values(actor_id="U-someone-else"),
            delete(AUDIT),
            delete(AUDIT).where(AUDIT.c.reason == "spam"),
            text("UPDATE audit_entry SET action = 'note'"),
        ]
        if store.engine.dialect.name == "postgresql":
            attempts.append(text("TRUNCATE audit_entry"))
        for statement in attempts:
            with pytest.raises(DBAPIError, match="append-only"):
                async with store.engine.begin() as db:
                    await db.execute(statement)
        async with store.transaction() as repo:
            kept = await repo.audit.latest(COMMUNITY)
        assert [(e.reason, e.actor_id, e.action) for e in kept] == [
            ("off topic", "U-sam", "hide"),
            ("spam", "U-sam", "hide"),
        ]
        async with store.engine.connect() as db:
            assert (await db.execute(select(func.count()).select_from(AUDIT))).scalar_one() == 2
    finally:
        await core.close()


def test_the_repository_offers_no_way_to_change_a_row() -> None:
    public = {name for name in dir(AuditRepo) if not name.startswith("_")}
    assert public == {"record", "latest"}
