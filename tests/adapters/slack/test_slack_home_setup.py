"""Setting Rebound up from the App Home: admins and the installer find the setup under
their home (conversation selects, the moderators' group, emoji, language, periods) and save
it there: stored and audited as the modal does, channels joined or named to invite Rebound
to. Everyone else sees a friendly home without settings, and where Rebound was never set
up, who can set it up."""

from __future__ import annotations

from typing import Any

from adapters.slack.setup_form import SAVE_FROM_HOME
from bot.api import SETUP_FIELDS
from bot.store.community_settings_repo import CommunitySettingsStore
from tests.adapters.slack.fake_slack import Scripted, member
from tests.adapters.slack.installs import INSTALLER, Host, host
from tests.adapters.slack.workspace import Workspace

LENA, ADA = "U0LENA", "U0ADA"
STORIES, PRIVATE_HELPERS = "C0STORIES", "G0HELPERS"
ALPHA = "slack:T0ALPHA"


async def _home_of(h: Host, ws: Workspace, user: str) -> dict[str, Any]:
    """Open the App Home as `user`; the view Rebound published for them."""
    published = len(h.fake.of("views.publish"))
    await ws.event({"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": "home"})
    return _published(h, user, published)


def _published(h: Host, user: str, before: int) -> dict[str, Any]:
    calls = h.fake.of("views.publish")[before:]
    assert calls, "no home published"
    assert calls[-1].params["user_id"] == user
    view: dict[str, Any] = calls[-1].params["view"]
    return view


def _inputs(view: dict[str, Any]) -> list[str]:
    return [b["block_id"] for b in view["blocks"] if b["type"] == "input"]


def _words(view: dict[str, Any]) -> str:
    parts = []
    for block in view["blocks"]:
        if isinstance(block.get("text"), dict):
            parts.append(block["text"]["text"])
        parts += [e.get("text", "") for e in block.get("elements", []) if "text" in e]
    return "\n".join(str(p) for p in parts)


async def _save(
    h: Host, ws: Workspace, user: str, view: dict[str, Any], **values: Any
) -> dict[str, Any]:
    """Press Save in the home `view` with its fields filled; the home published after."""
    published = len(h.fake.of("views.publish"))
    payload = ws.requests.view_button(user, user, SAVE_FROM_HOME, view, values)
    response = await ws.interact(payload)
    assert response.status == 200
    return _published(h, user, published)


async def test_admins_and_the_installer_set_up_from_the_home_others_see_a_friendly_one(
    sqlite_url: str,
) -> None:
    async with host(sqlite_url) as h:
        h.fake.users[ADA] = member(ADA, "Ada", admin=True)
        h.fake.users[LENA] = member(LENA, "Lena")
        alpha = await h.install("T0ALPHA", support_channel=None)
        store = CommunitySettingsStore(h.adapter.core.store)

        lenas = await _home_of(h, alpha, LENA)
        assert _inputs(lenas) == []
        assert SAVE_FROM_HOME not in str(lenas)
        assert "not set up here yet" in _words(lenas)
        assert f"<@{INSTALLER}>" in _words(lenas)  # who can set it up

        adas = await _home_of(h, alpha, ADA)
        assert _inputs(adas) == list(SETUP_FIELDS)
        installers = await _home_of(h, alpha, INSTALLER)
        assert _inputs(installers) == list(SETUP_FIELDS)
        fields = {b["block_id"]: b["element"] for b in installers["blocks"] if "element" in b}
        assert fields["support_channel"]["type"] == "conversations_select"
        assert fields["helpers_channel"]["type"] == "conversations_select"

        # Bad values: nothing stored, each error shown in the home by its field.
        bad = await _save(h, alpha, INSTALLER, installers, support_channel=STORIES, locale="xx")
        assert "xx is not a language" in _words(bad)
        assert await store.history(ALPHA) == []

        # Rebound cannot join a private channel by itself: it says where to invite it.
        h.fake.script(
            "conversations.join",
            Scripted(200, {"ok": True}),
            Scripted(200, {"ok": False, "error": "method_not_supported_for_channel_type"}),
        )
        saved = await _save(
            h,
            alpha,
            INSTALLER,
            installers,
            support_channel=STORIES,
            helpers_channel=PRIVATE_HELPERS,
            moderators="S0MODS",
            appreciation_emoji=":heart:",
            close_after_days="30",
        )
        assert "Rebound is set up" in _words(saved)
        assert "invite me there" in _words(saved) and f"<#{PRIVATE_HELPERS}>" in _words(saved)
        joined = [c.params["channel"] for c in h.fake.calls if c.method == "conversations.join"]
        assert sorted(joined) == sorted([STORIES, PRIVATE_HELPERS])
        found = await store.find(ALPHA)
        assert found is not None and found.set_up
        assert found.settings.support_channel == STORIES
        assert found.settings.helpers_channel == PRIVATE_HELPERS
        assert found.settings.appreciation_emoji == "heart"
        assert found.settings.close_after_days == 30
        assert found.platform["moderators"] == "S0MODS"
        (change,) = await store.history(ALPHA)
        assert change["changed_by"] == INSTALLER
        assert change["changes"]["support_channel"] == ["", STORIES]

        # A member who may not set up pressing Save (a forged click) changes nothing.
        await _save(h, alpha, LENA, installers, support_channel="C0ELSEWHERE")
        assert len(await store.history(ALPHA)) == 1
        assert (await store.find(ALPHA)).settings.support_channel == STORIES  # type: ignore[union-attr]

        # Set up: members' homes say nothing of settings; the setup shows what was saved.
        lenas = await _home_of(h, alpha, LENA)
        assert _inputs(lenas) == [] and "not set up" not in _words(lenas)
        again = await _home_of(h, alpha, ADA)
        initial = {b["block_id"]: b["element"] for b in again["blocks"] if b["type"] == "input"}
        assert initial["support_channel"]["initial_conversation"] == STORIES
        assert initial["close_after_days"]["initial_value"] == "30"

        # In effect at once: /setback posts in the channel just chosen.
        await alpha.command(LENA, "/setback", channel=STORIES)
        await alpha.submit(LENA, alpha.last_modal(), title="Ghosted", body="Silence.")
        await h.fake.wait_for(lambda fake: len(fake.posts(STORIES)) == 1)
