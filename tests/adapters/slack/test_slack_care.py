"""Care on Slack: a crisis reply through the real AsyncApp against the fake Web API."""

from __future__ import annotations

import json
from datetime import timedelta

import aiohttp
from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families

from tests.adapters.slack.workspace import SUPPORT, Workspace, workspace

MODS = "C0MODS"
CRISIS = "Honestly I just want to die"


async def test_a_crisis_reply_is_answered_privately_and_moderators_alerted(
    sqlite_url: str,
) -> None:
    async with workspace(sqlite_url, moderators_channel=MODS) as slack:
        thread = await slack.share("U0LENA", title="Ghosted after the panel", body="Three weeks.")
        before = len(slack.fake.posts(SUPPORT))
        await slack.say("U0TOMAS", CRISIS, thread=thread)
        await slack.fake.wait_for(lambda fake: len(fake.posts(MODS)) == 1)
        [alert] = slack.fake.posts(MODS)
        assert "want to die" not in alert.flat().lower()
        assert "Tomás" not in alert.flat() and "U0TOMAS" not in alert.flat()
        assert "/archives/" in alert.words  # the link to the reply
        [to_author] = slack.fake.posts("DU0TOMAS")
        assert "not a crisis service" in to_author.words
        assert len(slack.fake.posts(SUPPORT)) == before  # nothing said in public

        refused = await slack.press("U0PRIYA", alert.button("Resume asks and reminders"), alert.ref)
        assert refused.status == 200
        await slack.press("U0SAM", alert.button("Resume asks and reminders"), alert.ref)
        community = slack.adapter.community_id
        assert community is not None
        async with slack.adapter.core.store.transaction() as repo:
            post = await repo.post_by_thread(community, thread)
            assert post is not None
            events = await repo.care.events(community, post.id)
        assert [kind for kind, _ in events] == ["alert", "resume"]


async def test_my_data_arrives_as_a_file_in_the_members_dm(sqlite_url: str) -> None:
    async with workspace(sqlite_url) as slack:
        thread = await slack.share("U0LENA", title="Ghosted after the panel", body="Three weeks.")
        await slack.say("U0TOMAS", "Tomás's tip about the recruiter", thread=thread)
        response = await slack.command("U0TOMAS", "/rebound", "my-data")
        assert response.status == 200
        await slack.fake.wait_for(lambda fake: bool(fake.shared_files("DU0TOMAS")))
        [shared] = slack.fake.shared_files("DU0TOMAS")
        data = json.loads(shared["content"])
        assert [r["text"] for r in data["replies"]] == ["Tomás's tip about the recruiter"]
        assert "U0LENA" not in shared["content"].decode()
        assert shared["name"].endswith(".json")


async def test_one_press_in_a_dm_stops_every_dm_and_settings_bring_them_back(
    sqlite_url: str,
) -> None:
    async with workspace(sqlite_url) as slack:
        thread = await slack.share("U0LENA", title="Ghosted after the panel", body="Three weeks.")
        first = await slack.say("U0TOMAS", "Write to the recruiter.", thread=thread)
        second = await slack.say("U0TOMAS", "And ask for feedback.", thread=thread)
        await slack.shortcut("U0LENA", "mark_best", first)
        await slack.fake.wait_for(lambda fake: len(fake.posts("DU0TOMAS")) == 1)
        [told] = slack.fake.posts("DU0TOMAS")
        await slack.press("U0TOMAS", told.button("Stop direct messages"), told.ref)
        await slack.shortcut("U0LENA", "mark_best", second)
        await slack.wait(timedelta(days=20))  # reminders and asks fall due meanwhile
        assert len(slack.fake.posts("DU0TOMAS")) == 1
        await slack.command("U0TOMAS", "/rebound", "settings")
        settings = slack.fake.of("chat.postEphemeral")[-1]
        assert "no direct messages" in settings.words
        await slack.press("U0TOMAS", settings.button("Allow direct messages"), first)
        third = await slack.say("U0TOMAS", "One more idea.", thread=thread)
        await slack.shortcut("U0LENA", "mark_best", third)
        await slack.fake.wait_for(lambda fake: len(fake.posts("DU0TOMAS")) == 2)


async def test_metrics_count_crisis_alerts_and_paused_posts_without_naming_anyone(
    sqlite_url: str,
) -> None:
    async with workspace(sqlite_url, moderators_channel=MODS) as slack:
        thread = await slack.share("U0LENA", title="Ghosted after the panel", body="Three weeks.")
        await slack.say("U0TOMAS", CRISIS, thread=thread)
        await slack.fake.wait_for(lambda fake: len(fake.posts(MODS)) == 1)

        paused = await _scraped(slack)
        assert _sample(paused, "rebound_care_events", kind="alert") == 1
        assert _sample(paused, "rebound_paused_posts") == 1
        assert "U0TOMAS" not in paused and "want to die" not in paused

        [alert] = slack.fake.posts(MODS)
        await slack.press("U0SAM", alert.button("Resume asks and reminders"), alert.ref)
        resumed = await _scraped(slack)
        assert _sample(resumed, "rebound_care_events", kind="resume") == 1
        assert _sample(resumed, "rebound_paused_posts") == 0


async def _scraped(slack: Workspace) -> str:
    """GET /metrics on the adapter's own web app (its gauges are read at each scrape)."""
    runner = web.AppRunner(slack.adapter.web_app(), access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        port = runner.addresses[0][1]
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{port}/metrics") as response,
        ):
            assert response.status == 200
            return await response.text()
    finally:
        await runner.cleanup()


def _sample(exposition: str, name: str, **labels: str) -> float:
    wanted = set(labels.items())
    return sum(
        s.value
        for family in text_string_to_metric_families(exposition)
        for s in family.samples
        if s.name == name and wanted <= set(s.labels.items())
    )
