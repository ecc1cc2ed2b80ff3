"""The remaining surfaces: anonymous replies by button, appreciation, edits and deletions,
unmarking, refused forms, updates after closing, /template, long text, moderators."""

from __future__ import annotations

from typing import Any

from tests.adapters.discord import payloads as p
from tests.adapters.discord.conftest import (
    DEV,
    LENA,
    PRIYA,
    SAM,
    TOMAS,
    Actions,
    World,
    buttons_in,
    connected,
    uid,
)
from tests.adapters.discord.test_discord_reliability import replies_of

MANAGE_THREADS = str(1 << 34)


def posted_message(fake: Any, call: Any) -> dict[str, Any]:
    """The message a recorded call created, as Discord would show it (with its buttons)."""
    return dict(call.response if "id" in call.response else call.response["message"])


async def press_reply_anonymously(act: Actions, who: dict[str, Any], thread: str) -> dict[str, Any]:
    """`who` presses *Reply anonymously* on the post's first message."""
    root = act.fake.messages[thread]
    (relay,) = [b for b in buttons_in(root) if b["custom_id"].startswith("rb:relay:")]
    return await act.interact(p.button_press(who, relay["custom_id"], root, channel_id=int(thread)))


async def test_reply_anonymously_button_opens_a_modal_and_relays_under_the_pseudonym(
    discord_world: World, act: Actions
) -> None:
    fake = discord_world.fake
    thread = await act.post_setback(LENA, anonymous=True)
    pressed = await press_reply_anonymously(act, LENA, thread)
    (modal,) = [c.body for c in act.answers_to(pressed)]
    assert modal["type"] == 9 and modal["data"]["custom_id"] == "rb:form:relay:1"
    await act.interact(p.modal_submit(LENA, "rb:form:relay:1", {"text": "Thanks @everyone <@1>!"}))

    (relayed,) = [c.body for c in fake.posts_in(thread)]
    assert relayed["content"].startswith("**") and "Thanks" in relayed["content"]
    assert relayed["allowed_mentions"] == {"parse": []}
    assert "<@1>" not in relayed["content"] and "@everyone" not in relayed["content"].replace(
        "@\u200beveryone", ""
    )


async def test_only_the_poster_may_reply_anonymously_or_share_the_outcome(
    discord_world: World, act: Actions
) -> None:
    fake = discord_world.fake
    thread = await act.post_setback(LENA, anonymous=True)
    pressed = await press_reply_anonymously(act, DEV, thread)
    forged = await act.interact(p.modal_submit(DEV, "rb:form:relay:1", {"text": "As Lena: hi"}))
    outcome = {"result": ["worked"], "note": "Forged news."}
    forged_outcome = await act.interact(p.modal_submit(DEV, "rb:form:outcome:1", outcome))

    answers = [a for sent in (pressed, forged, forged_outcome) for a in act.answers_to(sent)]
    assert len(answers) == 3
    for answer in answers:
        assert answer.body["type"] == 4 and fake.private_to(uid(DEV), answer)
        assert "Only the person who shared" in answer.text
    assert fake.posts_in(thread) == []


async def test_reactions_and_the_appreciate_button_count(
    discord_world: World, act: Actions
) -> None:
    fake = discord_world.fake
    thread, tip = await act.anonymous_post_with_a_tip()
    await act.react(DEV, tip, "👍")
    await act.react(TOMAS, tip, "🎉")  # not the community's appreciation emoji
    await act.dm(LENA, "Thanks, everyone.")
    relayed = fake.posts_in(thread)[-1]
    (appreciate,) = buttons_in(relayed.body)
    shown = posted_message(fake, relayed)
    await act.interact(p.button_press(SAM, appreciate["custom_id"], shown, channel_id=int(thread)))

    counts = {r.text: r.appreciations for r in await replies_of(discord_world)}
    assert counts == {"Write to the recruiter.": 1, "Thanks, everyone.": 1}


async def test_the_posters_own_messages_are_flagged(discord_world: World, act: Actions) -> None:
    await act.anonymous_post_with_a_tip()
    await act.dm(LENA, "Thank you, I will.")
    mine = await act.post_setback(TOMAS)
    await act.say(TOMAS, mine, "Update: they replied.")
    await act.say(DEV, mine, "Good news.")

    async with discord_world.bridge.core.store.transaction() as repo:
        community = "discord:" + str(p.GUILD_ID)
        replies = [r for s in (1, 2) for r in await repo.replies(community, s)]
    flags = {r.text: (r.by_poster, r.relayed) for r in replies}
    assert flags == {
        "Write to the recruiter.": (False, False),
        "Thank you, I will.": (True, True),
        "Update: they replied.": (True, False),
        "Good news.": (False, False),
    }


async def test_edits_and_deletions_are_reflected(discord_world: World, act: Actions) -> None:
    fake = discord_world.fake
    thread = await act.post_setback(LENA)
    tip = await act.say(PRIYA, thread, "First thought.")
    gone = await act.say(DEV, thread, "Wrong thread, sorry.")
    edited = {**tip, "content": "Second thought.", "edited_timestamp": "2026-03-02T10:00:00+00:00"}
    await fake.dispatch("MESSAGE_UPDATE", edited)
    await fake.dispatch("MESSAGE_UPDATE", edited)  # replayed
    await fake.dispatch(
        "MESSAGE_DELETE", {"id": gone["id"], "channel_id": thread, "guild_id": str(p.GUILD_ID)}
    )
    await fake.settle()

    replies = {r.message_ref: r for r in await replies_of(discord_world)}
    assert replies[f"{thread}/{tip['id']}"].text == "Second thought."
    assert replies[f"{thread}/{gone['id']}"].deleted


async def test_a_moderators_bulk_deletion_is_reflected(discord_world: World, act: Actions) -> None:
    fake = discord_world.fake
    thread = await act.post_setback(LENA)
    kept = await act.say(PRIYA, thread, "Ask for feedback.")
    spam = [await act.say(DEV, thread, f"Buy followers {n}") for n in range(2)]
    purge = {"ids": [m["id"] for m in spam], "channel_id": thread, "guild_id": str(p.GUILD_ID)}
    await fake.dispatch("MESSAGE_DELETE_BULK", purge)
    await fake.dispatch("MESSAGE_DELETE_BULK", purge)  # replayed
    await fake.settle()

    deleted = {r.message_ref: r.deleted for r in await replies_of(discord_world)}
    assert deleted == {
        f"{thread}/{kept['id']}": False,
        **{f"{thread}/{m['id']}": True for m in spam},
    }


async def test_unmark_and_a_moderator_by_manage_threads(discord_world: World, act: Actions) -> None:
    fake = discord_world.fake
    thread = await act.post_setback(LENA)
    tip = await act.say(PRIYA, thread, "Ask for feedback.")
    helper = p.member(733100000000000099, "Kim")
    marked = await act.interact(
        p.message_command(helper, "Mark as best answer", tip, permissions=MANAGE_THREADS)
    )
    assert "now marked" in str(act.answers_to(marked)[0].body)
    unmarked = await act.mark(LENA, tip, name="Unmark best answer")

    assert "no longer marked" in str(act.answers_to(unmarked)[0].body)
    tags = fake.calls_to("PATCH", rf"/channels/{thread}")
    assert tags[-1].body == {"applied_tags": []}  # Answered came off again


async def test_a_refused_form_keeps_what_was_typed(discord_world: World, act: Actions) -> None:
    modal = await act.open_setback(LENA)
    body = "A long story I do not want to type again."
    sent = await act.interact(p.modal_submit(LENA, modal["custom_id"], {"title": "", "body": body}))

    (refusal,) = act.answers_to(sent)
    assert refusal.body["data"]["flags"] == 64
    (reopen,) = buttons_in(refusal.body["data"])
    shown = p.message(p.snowflake(), p.GENERAL_ID, act.fake.bot, "")
    shown["components"] = refusal.body["data"]["components"]
    again = await act.interact(p.button_press(LENA, reopen["custom_id"], shown))

    (modal_again,) = act.answers_to(again)
    fields = {
        c["component"]["custom_id"]: c["component"] for c in modal_again.body["data"]["components"]
    }
    assert fields["body"]["value"] == body


async def test_an_update_after_closing_is_still_posted(discord_world: World, act: Actions) -> None:
    fake = discord_world.fake
    thread = await act.post_setback(TOMAS)
    await act.say(PRIYA, thread, "Keep in touch with them.")
    await discord_world.tick(hours=15 * 24)  # the outcome ask, left unanswered
    await discord_world.tick(hours=31 * 24)  # closed after 30 quiet days
    assert fake.channels[thread]["thread_metadata"]["locked"]
    ask = next(c for c in reversed(fake.dms_to(uid(TOMAS))) if buttons_in(c.body))
    worked = next(b for b in buttons_in(ask.body) if b["label"] == "It worked")
    dm = int(fake.dm_channels[uid(TOMAS)])
    pressed = await act.interact(
        p.button_press(
            TOMAS, worked["custom_id"], posted_message(fake, ask), in_dm=True, channel_id=dm
        )
    )
    modal = act.answers_to(pressed)[0].body["data"]
    await act.interact(
        p.modal_submit(
            TOMAS,
            modal["custom_id"],
            {"result": ["worked"], "note": "Got the job."},
            in_dm=True,
            channel_id=dm,
        )
    )

    attempts = [
        c for c in fake.calls_to("POST", rf"/channels/{thread}/messages") if "Got the job" in c.text
    ]
    assert [c.status for c in attempts] == [400, 200]  # archived: reopened for the update
    metadata = fake.channels[thread]["thread_metadata"]
    assert metadata["archived"] and metadata["locked"]  # and closed again


async def test_long_text_is_split_at_2000_characters(discord_world: World, act: Actions) -> None:
    fake = discord_world.fake
    thread = await act.post_setback(LENA, anonymous=True)
    await act.dm(LENA, ("I keep replaying it. " * 250).strip())

    pieces = [c.body["content"] for c in fake.posts_in(thread)]
    assert len(pieces) == 3 and all(len(t) <= 2000 for t in pieces)
    assert sum(len(t) for t in pieces) >= 250 * 20


async def test_sharded_client_connects_through_gateway_bot(sqlite_url: str) -> None:
    async with connected(sqlite_url, shard_count=0) as world:  # 0: Discord picks the count
        assert world.fake.calls_to("GET", "/gateway/bot")
        assert type(world.client).__name__ == "ShardedReboundClient"
