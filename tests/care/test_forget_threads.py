"""A thread's own name repeats the post's title: forget-me and retention rename it where the
platform names threads (Discord, the console), and leave it to the card edit elsewhere."""

from __future__ import annotations

from datetime import timedelta

from bot.contract.intents import RenameThread
from bot.contract.ports import Capabilities
from bot.domain.model import CommunitySettings
from tests.care.care_support import button, press
from tests.support import MAYA, RecordingOutbox, harness

NAMED = Capabilities(tags=True, named_threads=True)


async def test_forget_me_renames_the_posts_threads_where_threads_have_names(
    database_url: str,
) -> None:
    async with harness(database_url) as h:
        h.outbox = RecordingOutbox(capabilities=NAMED)
        thread = await h.post(MAYA, title="Ghosted by Brightline")
        asked = await h.command(MAYA, "rebound", "forget-me")
        await press(h, MAYA, button(asked, "rb:forget:"))

        renamed = h.outbox.of(RenameThread)
        assert [(r.thread_ref, r.title) for r in renamed] == [(thread, "Removed by its author")]


async def test_no_rename_where_threads_have_no_name_of_their_own(database_url: str) -> None:
    async with harness(database_url) as h:
        await h.post(MAYA, title="Ghosted by Brightline")  # the default outbox: no names
        asked = await h.command(MAYA, "rebound", "forget-me")
        await press(h, MAYA, button(asked, "rb:forget:"))

        assert h.outbox.of(RenameThread) == []


async def test_retention_renames_old_posts_threads(database_url: str) -> None:
    keep = CommunitySettings(helpers_channel="helpers", retention_days=30)
    async with harness(database_url, keep) as h:
        h.outbox = RecordingOutbox(capabilities=NAMED)
        thread = await h.post(MAYA, title="Ghosted by Brightline")
        await h.wait(timedelta(days=31))

        renamed = h.outbox.of(RenameThread)
        assert [(r.thread_ref, r.title) for r in renamed] == [(thread, "Removed after 30 days")]
