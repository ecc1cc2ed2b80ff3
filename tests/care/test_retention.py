"""Retention under a fake clock, on SQLite and PostgreSQL: off by default; with a period,
old posts and replies are removed once each, and the bot's copies edited once."""

from __future__ import annotations

from datetime import timedelta

from bot.contract.intents import EditMessage
from bot.domain.model import CommunitySettings
from bot.engine.retention import Retention
from tests.support import JO, MAYA, RUTH, harness, stored_words

KEEP = CommunitySettings(helpers_channel="helpers", retention_days=30)


async def test_nothing_is_removed_by_default(database_url: str) -> None:
    async with harness(database_url) as h:
        thread = await h.post(MAYA, body="An old story")
        await h.reply(JO, thread, "An old tip")
        await h.wait(timedelta(days=400))
        assert "An old story" in await stored_words(h.core.store)
        assert not any("removed after" in e.message.text for e in h.outbox.of(EditMessage))


async def test_old_content_is_removed_once_each(database_url: str) -> None:
    async with harness(database_url, KEEP) as h:
        old = await h.post(MAYA, body="The first story")
        await h.reply(JO, old, "The first tip")
        await h.dm(MAYA, "never relayed: not anonymous")
        await h.wait(timedelta(days=20))
        await h.post(RUTH, title="Later", body="The second story")
        await h.wait(timedelta(days=11))  # the first post is 31 days old, the second 11
        words = await stored_words(h.core.store)
        assert "The first story" not in words and "The first tip" not in words
        assert "The second story" in words
        removed = [e for e in h.outbox.of(EditMessage) if "removed after 30 days" in e.message.text]
        assert [e.message_ref for e in removed] == [old]
        await h.wait(timedelta(hours=3))
        again = Retention(h.core.kernel, "another-worker")  # another worker, sweeping the same rows
        assert await again.sweep(lambda _c: h.outbox, frozenset({"console"})) == {}
        assert len([e for e in h.outbox.of(EditMessage) if "removed after" in e.message.text]) == 1
        await h.wait(timedelta(days=20))
        assert "The second story" not in await stored_words(h.core.store)
        assert len([e for e in h.outbox.of(EditMessage) if "removed after" in e.message.text]) == 2
