"""Who members are: names from users.info, moderators from the group and admins, cached."""

from __future__ import annotations

from adapters.slack.directory import Directory
from tests.adapters.slack.fake_slack import member, server_error
from tests.adapters.slack.workspace import Workspace


async def test_names_and_moderators_are_looked_up_once_while_fresh(slack: Workspace) -> None:
    slack.fake.users["U0BOSS"] = member("U0BOSS", "Bo Boss", admin=True)
    now = [0.0]
    directory = Directory(slack.adapter.client, "S0MODS", ttl_s=60, clock=lambda: now[0])

    priya = await directory.member("U0PRIYA")
    sam = await directory.member("U0SAM")
    boss = await directory.member("U0BOSS")
    again = await directory.member("U0PRIYA")

    assert (priya.display_name, priya.is_moderator) == ("Priya", False)
    assert sam.is_moderator  # in the moderators' user group
    assert boss.is_moderator  # a workspace admin
    assert again == priya
    assert len(slack.fake.of("users.info")) == 3
    assert len(slack.fake.of("usergroups.users.list")) == 1

    now[0] = 61.0
    await directory.member("U0PRIYA")
    assert len(slack.fake.of("users.info")) == 4


async def test_a_failed_lookup_falls_back_to_the_payloads_name(slack: Workspace) -> None:
    slack.fake.script("users.info", server_error())
    directory = Directory(slack.adapter.client, None)

    found = await directory.member("U0PRIYA", "priya.k")

    assert (found.display_name, found.is_moderator) == ("priya.k", False)
    assert slack.fake.of("usergroups.users.list") == []
