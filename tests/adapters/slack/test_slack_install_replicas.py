"""Two replicas on one database: an install, a new token and an uninstall made through one
are what the other serves with at its very next request or delivery (no stale cache)."""

from __future__ import annotations

from datetime import timedelta

from tests.adapters.slack.installs import INSTALLER, host
from tests.adapters.slack.workspace import SUPPORT, new_fake

STORIES = "C0STORIES"


async def test_the_other_replica_never_serves_with_a_stale_installation(
    database_url: str,
) -> None:
    fake = new_fake()
    await fake.start()
    try:
        async with host(database_url, fake=fake) as a, host(database_url, fake=fake) as b:
            await a.install("T0ALPHA")
            on_b = b.workspace("T0ALPHA")

            thread = await on_b.share("U0LENA", title="Ghosted", body="Silence.")  # via B
            first_token = a.token_of("T0ALPHA")
            assert fake.posts(SUPPORT)[-1].token == first_token

            await a.install("T0ALPHA")  # installed again through A: a new token
            new_token = list(fake.installs)[-1]  # the latest token Slack issued
            assert new_token != first_token
            await on_b.say("U0PRIYA", "Ask them for feedback.", thread=thread)
            await on_b.wait(timedelta(days=15))  # B delivers the follow-ups
            later = [c for c in fake.calls if c.method == "chat.postMessage"][-1]
            assert later.token == new_token

            uninstalled = await a.workspace("T0ALPHA").event({"type": "app_uninstalled"})
            assert uninstalled.status == 200
            calls = len(fake.calls)
            await on_b.say("U0PRIYA", "Still there?", thread=thread)
            await on_b.wait(timedelta(days=40))
            assert fake.calls[calls:] == []  # B neither answered nor sent anything
    finally:
        await fake.stop()


async def test_a_setup_made_through_one_replica_is_what_the_other_uses_next(
    sqlite_url: str,
) -> None:
    fake = new_fake()
    await fake.start()
    try:
        async with host(sqlite_url, fake=fake) as a, host(sqlite_url, fake=fake) as b:
            await a.install("T0ALPHA", installer=INSTALLER)
            on_a, on_b = a.workspace("T0ALPHA"), b.workspace("T0ALPHA")
            await on_b.share("U0LENA", title="Ghosted", body="Silence.")  # B's core has read them
            assert len(fake.posts(SUPPORT)) == 1

            await on_a.command(INSTALLER, "/rebound", text="setup")
            await on_a.submit(INSTALLER, on_a.last_modal(), support_channel=STORIES)
            await on_b.command("U0DEV", "/setback")
            await on_b.submit("U0DEV", on_b.last_modal(), title="Rejected", body="Again.")

            await fake.wait_for(lambda f: len(f.posts(STORIES)) == 1)
            assert len(fake.posts(SUPPORT)) == 1
    finally:
        await fake.stop()
