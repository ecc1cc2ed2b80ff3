"""Signing in to the moderators' page through the fake Slack and Discord, and every way it
must refuse: a forged or reused state, a member who does not moderate, a moderator of
another community, an expired session. A refusal is a page with its reason; nothing changes."""

from __future__ import annotations

import re

from yarl import URL

from adapters.web.sessions import SESSION_COOKIE, Session
from tests.web.story import OTHER_TITLE
from tests.web.web_site import (
    ADMIN,
    DISCORD_MEMBER,
    DISCORD_MODERATOR,
    MEMBER,
    MODERATOR,
    OTHER_MODERATOR,
    Site,
)


def test_a_slack_moderator_signs_in_and_sees_their_community(site: Site) -> None:
    client = site.client()
    status, body, url = client.sign_in(MODERATOR.user_id)
    assert status == 200, body
    assert url.endswith("/outcomes")
    assert "Outcomes: what advice worked" in body
    assert "Mona Mod" in body and "slack:T-ONE" in body
    cookie = client.cookie(SESSION_COOKIE)
    assert cookie is not None
    calls = site.fake.calls
    assert "slack:openid.connect.token" in calls and "slack:usergroups.users.list" in calls


def test_the_session_cookie_is_http_only_and_same_site(site: Site) -> None:
    client = site.client()
    site.signing_in(MODERATOR.user_id)
    status, location = client.dance("slack")
    assert status == 303 and location == "/outcomes"
    morsel = next(c for c in client.jar if c.key == SESSION_COOKIE)
    assert morsel["httponly"]
    assert morsel["samesite"] == "Lax"


def test_a_workspace_admin_counts_as_a_moderator(site: Site) -> None:
    status, body, _ = site.client().sign_in(ADMIN.user_id)
    assert status == 200 and "Ada Admin" in body


def test_a_member_who_does_not_moderate_is_refused(site: Site) -> None:
    client = site.client()
    status, body, _ = client.sign_in(MEMBER.user_id)
    assert status == 403
    assert "Moderators only" in body and "not a moderator" in body
    assert client.cookie(SESSION_COOKIE) is None
    assert client.get("/outcomes")[0] == 401


def test_a_moderator_of_another_workspace_sees_only_theirs(site: Site) -> None:
    theirs, ours = site.client(), site.client()
    assert theirs.sign_in(OTHER_MODERATOR.user_id)[0] == 200
    assert ours.sign_in(MODERATOR.user_id)[0] == 200
    their_library = theirs.get("/library")[1]
    assert "Workspace two" in their_library and "Froze in the panel" not in their_library
    for path in ("/outcomes", "/library", "/queue", "/audit"):
        assert OTHER_TITLE not in ours.get(path)[1], path


def test_a_discord_moderator_signs_in_and_a_member_is_refused(site: Site) -> None:
    moderator = site.client()
    status, body, _ = moderator.sign_in(DISCORD_MODERATOR.user_id, "discord")
    assert status == 200, body
    assert "discord:900100" in body and "Dana Discord" in body
    member = site.client()
    status, body, _ = member.sign_in(DISCORD_MEMBER.user_id, "discord")
    assert status == 403 and "not a moderator" in body
    assert member.cookie(SESSION_COOKIE) is None


def test_a_reused_state_is_refused(site: Site) -> None:
    client = site.client()
    site.signing_in(MODERATOR.user_id)
    assert client.dance("slack")[0] == 303
    again = client.get(client.last_callback)
    assert again[0] == 403
    assert "used already" in again[1]


def test_a_forged_state_is_refused_and_changes_nothing(site: Site) -> None:
    client = site.client()
    client.get("/login/slack", follow=False)  # a real login cookie, a different state
    status, body, _ = client.get("/auth/slack/callback?code=abc&state=forged-state-value")
    assert status == 403 and "not valid" in body
    assert client.cookie(SESSION_COOKIE) is None
    # Without any login cookie at all (a link from elsewhere):
    stranger = site.client()
    assert stranger.get("/auth/slack/callback?code=abc&state=x")[0] == 403


def test_a_state_from_another_browser_is_refused(site: Site) -> None:
    victim, attacker = site.client(), site.client()
    site.signing_in(OTHER_MODERATOR.user_id)
    _, authorize = attacker.redirect("/login/slack")
    _, callback = attacker.redirect(authorize)
    status, body, _ = victim.get(callback)
    assert status == 403 and "not valid" in body
    assert victim.cookie(SESSION_COOKIE) is None


def test_an_expired_session_gets_a_clear_page(site: Site) -> None:
    client = site.client()
    assert client.sign_in(MODERATOR.user_id)[0] == 200
    now = site.clock.now().timestamp()
    expired = Session(
        user_id=MODERATOR.user_id,
        name="Mona Mod",
        platform="slack",
        expires=now - 1,
        csrf="x" * 32,
        community="slack:T-ONE",
    )
    client.jar.update_cookies(
        {SESSION_COOKIE: site.page.cookies.session_value(expired)},
        response_url=URL(site.base_url),
    )
    status, body, _ = client.get("/outcomes")
    assert status == 401 and "Your session has ended" in body


def test_a_tampered_session_cookie_is_no_session(site: Site) -> None:
    client = site.client()
    assert client.sign_in(MODERATOR.user_id)[0] == 200
    cookie = client.cookie(SESSION_COOKIE)
    assert cookie is not None
    payload, _, mac = cookie.rpartition(".")
    forged = payload.replace(payload[5], "A" if payload[5] != "A" else "B", 1) + "." + mac
    client.jar.update_cookies({SESSION_COOKIE: forged}, response_url=URL(site.base_url))
    status, body, _ = client.get("/outcomes")
    assert status == 401 and "Please sign in" in body


def test_signing_out_ends_the_session(site: Site) -> None:
    client = site.client()
    status, body, _ = client.sign_in(MODERATOR.user_id)
    csrf = re.search(r'name="csrf" value="([^"]+)"', body)
    assert csrf is not None
    assert client.post("/logout", {"csrf": "wrong"})[0] == 403
    status, body, _ = client.post("/logout", {"csrf": csrf.group(1)})
    assert status == 200 and "signed out" in body
    assert client.get("/outcomes")[0] == 401


def test_a_moderator_of_two_servers_chooses_one(site: Site) -> None:
    from bot.api import CommunitySettings
    from tests.web.fake_oauth import DiscordUser

    site.run(site.core.ensure_community("discord:900200", "discord", CommunitySettings()))
    site.fake.discord_roles["900200"] = [{"id": "900200", "permissions": "0"}]
    site.fake.discord_owner["900200"] = "D-BOTH"
    both = DiscordUser("D-BOTH", "Bo Both", {"900100": ["R-THREADS"], "900200": []})
    site.fake.discord_users[both.user_id] = both
    client = site.client()
    status, body, url = client.sign_in(both.user_id, "discord")
    assert status == 200 and url.endswith("/choose")
    assert "discord:900100" in body and "discord:900200" in body
    assert client.get("/outcomes")[2].endswith("/choose")  # no community chosen yet
    token = re.search(r'name="csrf" value="([^"]+)"', body)
    assert token is not None
    refused = client.post("/choose", {"csrf": token.group(1), "community": "slack:T-ONE"})
    assert refused[0] == 400 and "Not one of yours" in refused[1]
    status, body, url = client.post(
        "/choose", {"csrf": token.group(1), "community": "discord:900200"}
    )
    assert status == 200 and url.endswith("/outcomes") and "discord:900200" in body
