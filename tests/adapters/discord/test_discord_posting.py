from __future__ import annotations

import re

from tests.adapters.discord import payloads as p
from tests.adapters.discord.conftest import LENA, PRIYA, TOMAS, Actions, World, connected, uid


async def test_setback_opens_a_modal_of_five_fields_with_anonymous_carried(act: Actions) -> None:
    modal = await act.open_setback(LENA, anonymous=True)

    assert modal["custom_id"] == "rb:form:setback|anonymous=yes"
    labels = modal["components"]
    assert len(labels) == 5
    assert [c["component"]["custom_id"] for c in labels] == [
        "title",
        "body",
        "stage",
        "kind",
        "ask_outcome_on",
    ]
    title, body = labels[0]["component"], labels[1]["component"]
    assert title["max_length"] == 100
    assert body["max_length"] == 4000 and body["style"] == 2
    assert labels[2]["component"]["type"] == 3  # a select menu of stages


async def test_anonymous_post_is_a_forum_post_by_the_bot_under_a_pseudonym(
    discord_world: World, act: Actions
) -> None:
    thread = await act.post_setback(
        LENA, anonymous=True, stage=["recruiter_screen"], kind=["went_badly"]
    )

    post = discord_world.fake.forum_posts()[-1].body
    assert post["name"] == "Froze in the screening call"
    first_line = post["message"]["content"].splitlines()[0]
    assert re.fullmatch(r"\*\*\w+ \w+ \(.*anonymous\)\*\*", first_line), first_line
    assert post["message"]["allowed_mentions"] == {"parse": []}
    tag_names = {
        t["id"]: t["name"] for t in discord_world.fake.channels[str(p.FORUM_ID)]["available_tags"]
    }
    assert [tag_names[t] for t in post["applied_tags"]] == ["Recruiter screen", "It went badly"]
    assert "Lenacanary" not in str(post) and uid(LENA) not in str(post)
    assert thread in discord_world.fake.channels


async def test_a_member_post_in_the_forum_is_adopted(discord_world: World, act: Actions) -> None:
    fake = discord_world.fake
    thread_id = p.snowflake()
    thread = p.thread(thread_id, "Turned down after the final round", int(uid(TOMAS)))
    fake.channels[thread_id] = thread
    starter = p.guild_message(
        thread_id, thread_id, TOMAS, "They said another candidate had more print experience."
    )
    await fake.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
    await fake.dispatch("MESSAGE_CREATE", starter)
    await fake.settle()

    status = fake.posts_in(thread_id)
    assert len(status) == 1  # one status message, though both events arrived
    assert status[0].body["allowed_mentions"] == {"parse": []}

    await act.say(PRIYA, thread_id, "Ask them for two lines of feedback.")
    assert len(fake.posts_in(thread_id)) == 1  # a plain reply is recorded, not answered


async def test_an_adopted_post_keeps_the_tags_its_member_chose(sqlite_url: str) -> None:
    remote = p.forum_tag(790, "Remote role")  # the community's own tag
    async with connected(sqlite_url, forum_tags=[remote]) as world:
        act, fake = Actions(world), world.fake
        forum = fake.channels[str(p.FORUM_ID)]
        panel = next(t["id"] for t in forum["available_tags"] if t["name"] == "Panel or onsite")
        thread_id = p.snowflake()
        thread = p.thread(thread_id, "Panel went quiet", int(uid(TOMAS)), ["790", panel])
        fake.channels[thread_id] = thread
        await fake.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        await fake.dispatch("MESSAGE_CREATE", p.guild_message(thread_id, thread_id, TOMAS, "Hm."))
        tip = await act.say(PRIYA, thread_id, "Ask who made the decision.")

        await act.mark(TOMAS, tip)
        await act.mark(TOMAS, tip, name="Unmark best answer")

        names = {t["id"]: t["name"] for t in forum["available_tags"]}
        applied = [
            [names[t] for t in call.body["applied_tags"]]
            for call in fake.calls_to("PATCH", rf"/channels/{thread_id}")
        ]
        assert applied == [
            ["Answered", "Remote role", "Panel or onsite"],
            ["Remote role", "Panel or onsite"],
        ]
