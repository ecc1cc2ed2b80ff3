"""The simulated platform's rules: ids, places, who sees what, threads and buttons."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from adapters.console.community import CONSOLE_SETTINGS, channels_of
from adapters.console.entries import EVERYONE, TagsSet
from adapters.console.places import InChannel, InDM, InThread
from adapters.console.world import BOT_NAME, World, WorldError, emoji_name
from bot.common.clock import ManualClock
from bot.contract.intents import Button
from bot.domain.model import Member
from tests.adapters.console.console_fakes import JO, MAYA, SAM, SETBACK_FORM


def test_message_ids_count_up_across_places(world: World) -> None:
    first = world.post(InChannel("support"), author="Jo", author_id=JO.user_id, text="hi")
    second = world.post(InDM(MAYA.user_id), author=BOT_NAME, text="hello")
    assert (first.id, second.id) == ("m1", "m2")


def test_a_dm_is_seen_by_its_recipient_only(world: World) -> None:
    dm = world.post(InDM(MAYA.user_id), author=BOT_NAME, text="private")
    assert world.can_see(MAYA.user_id, dm)
    assert not world.can_see(JO.user_id, dm)
    assert dm in world.visible_to(MAYA.user_id)
    assert dm not in world.visible_to(JO.user_id)
    assert world.audience(dm.place, dm.only) == ("Maya",)
    assert world.where(dm.place, dm.only) == "DM @Maya"


def test_an_ephemeral_notice_is_seen_by_one_member_where_they_are(world: World) -> None:
    notice = world.post(InChannel("support"), author=BOT_NAME, text="only you", only=JO.user_id)
    assert [world.can_see(m.user_id, notice) for m in (MAYA, JO, SAM)] == [False, True, False]
    assert world.where(notice.place, notice.only) == "#support (only Jo)"


def test_channel_and_thread_messages_are_for_everyone(world: World) -> None:
    root = world.start_thread("support", title="T", author=BOT_NAME, text="root")
    reply = world.post(InThread("support", root), author="Jo", author_id=JO.user_id, text="r")
    assert world.where(reply.place) == f"#support > thread {root}"
    assert world.audience(reply.place) == (EVERYONE,)
    assert all(world.can_see(m.user_id, reply) for m in (MAYA, JO, SAM))


def test_any_top_level_channel_message_can_start_a_thread(world: World) -> None:
    plain = world.post(InChannel("support"), author="Jo", author_id=JO.user_id, text="hi")
    assert world.thread_place(plain.id) == InThread("support", plain.id)
    dm = world.post(InDM(MAYA.user_id), author=BOT_NAME, text="x")
    with pytest.raises(WorldError, match="cannot have a thread"):
        world.thread(dm.id)


def test_a_closed_thread_refuses_members_but_not_moderators(world: World) -> None:
    root = world.start_thread("support", title="T", author=BOT_NAME, text="root")
    world.close_thread(root)
    with pytest.raises(WorldError, match="closed to new replies"):
        world.thread_to_reply(JO, root)
    assert world.thread_to_reply(SAM, root).root == root


def test_unknown_channels_members_and_messages_are_refused(world: World) -> None:
    with pytest.raises(WorldError, match="no channel #random"):
        world.post(InChannel("random"), author=BOT_NAME, text="x")
    with pytest.raises(WorldError, match=r"no member is called 'Mia' \(members: Maya, Jo, Sam\)"):
        world.member_named("Mia")
    with pytest.raises(WorldError, match="no message 'm9'"):
        world.message("m9")


def test_members_are_found_by_name_ignoring_case(world: World) -> None:
    assert world.member_named("@maya") == MAYA
    with pytest.raises(WorldError, match="already a member called"):
        world.add_member(Member(user_id="U7", display_name="MAYA"))


def test_buttons_are_found_by_label_on_the_latest_visible_message(world: World) -> None:
    old = world.post(InDM(MAYA.user_id), author=BOT_NAME, text="a", buttons=(_ok("old"),))
    new = world.post(InDM(MAYA.user_id), author=BOT_NAME, text="b", buttons=(_ok("new"),))
    message, button = world.find_button(MAYA, "ok")
    assert (message.id, button.action_id) == (new.id, "new")
    message, button = world.find_button(MAYA, 1, message_id=old.id)
    assert (message.id, button.action_id) == (old.id, "old")


def test_buttons_are_found_only_where_asked_and_only_if_seen(world: World) -> None:
    world.post(InDM(MAYA.user_id), author=BOT_NAME, text="a", buttons=(_ok("dm"),))
    root = world.start_thread("support", title="T", author=BOT_NAME, text="r", buttons=(_ok("r"),))
    _, in_thread = world.find_button(MAYA, "OK", within=InThread("support", root))
    assert in_thread.action_id == "r"
    with pytest.raises(WorldError, match="Jo has no button 'ok' on any message they can see"):
        world.find_button(JO, "ok", within=InDM(MAYA.user_id))


def test_a_reaction_is_logged_once_and_removed_only_if_there(world: World) -> None:
    msg = world.post(InChannel("support"), author="Jo", author_id=JO.user_id, text="hi")
    world.react(MAYA, msg.id, "+1")
    with pytest.raises(WorldError, match="already reacted"):
        world.react(MAYA, msg.id, "+1")
    world.react(MAYA, msg.id, "+1", removed=True)
    with pytest.raises(WorldError, match="no :\\+1: on"):
        world.react(MAYA, msg.id, "+1", removed=True)


def test_messages_carry_the_clock_time(world: World, clock: ManualClock) -> None:
    before = world.post(InChannel("support"), author=BOT_NAME, text="x")
    clock.advance(timedelta(hours=2))
    after = world.post(InChannel("support"), author=BOT_NAME, text="y")
    assert (after.time - before.time).total_seconds() == 7200


def _ok(action_id: str) -> Button:
    return Button(label="OK", action_id=action_id)


def test_the_default_channels_are_the_console_communitys(clock: ManualClock) -> None:
    assert World(clock).channels == channels_of(CONSOLE_SETTINGS)


def test_new_tags_are_shown_on_the_root_and_unchanged_ones_are_not_logged(world: World) -> None:
    root = world.start_thread("support", title="T", author=BOT_NAME, text="r", tags=("Open",))
    world.set_tags(root, ("Answered",))
    logged = len(world.log)
    world.set_tags(root, ("Answered",))
    assert len(world.log) == logged
    assert world.message(root).tags == ("Answered",)
    assert isinstance(world.log[-1], TagsSet)


def test_a_deleted_message_is_said_to_be_deleted(world: World) -> None:
    msg = world.post(InChannel("support"), author="Jo", author_id=JO.user_id, text="hi")
    world.replace(replace(msg, deleted=True))
    with pytest.raises(WorldError, match=f"message {msg.id} was deleted"):
        world.seen_by(MAYA, msg.id)


@pytest.mark.parametrize(("given", "name"), [("+1", "+1"), (":tada:", "tada"), (" :x: ", "x")])
def test_an_emoji_is_named_with_or_without_colons(given: str, name: str) -> None:
    assert emoji_name(given) == name


@pytest.mark.parametrize("given", ["", "::", "a b", ": :"])
def test_an_empty_or_spaced_emoji_is_refused(given: str) -> None:
    with pytest.raises(WorldError, match="is not an emoji"):
        emoji_name(given)


def test_places_are_named_like_in_scripts(world: World) -> None:
    root = world.start_thread("support", title="T", author=BOT_NAME, text="r")
    assert world.place_named("#dm", JO) == InDM(JO.user_id)
    assert world.place_named("helpers", JO) == InChannel("helpers")
    assert world.place_named(f"#{root}", JO) == InThread("support", root)
    with pytest.raises(WorldError, match="no message 'nowhere'"):
        world.place_named("#nowhere", JO)


def test_two_members_with_the_same_form_open_keep_their_own(world: World) -> None:
    world.forms.open(MAYA.user_id, SETBACK_FORM)
    world.forms.open(JO.user_id, SETBACK_FORM)
    world.forms.take(MAYA.user_id)
    assert world.forms.reopen(SETBACK_FORM.form_id) == (MAYA.user_id, SETBACK_FORM)
    assert world.forms.pending(MAYA.user_id) == SETBACK_FORM
    assert world.forms.pending(JO.user_id) == SETBACK_FORM
