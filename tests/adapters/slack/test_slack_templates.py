"""`/template` on Slack: an ephemeral listing within Block Kit limits, a modal for the
placeholders, an ephemeral preview whose buttons work, posting in one's own thread without
one's name, and the *Save as template* shortcut on a best answer."""

from __future__ import annotations

import json

from tests.adapters.slack.fake_slack import Call
from tests.adapters.slack.workspace import SUPPORT, Workspace
from tests.support import SECOND_CONVERSATION, SECOND_CONVERSATION_VALUES, SIGNED_AS

LENA, PRIYA, SAM = "U0LENA", "U0PRIYA", "U0SAM"


def _ephemeral_to(slack: Workspace, user: str) -> list[Call]:
    return [c for c in slack.fake.of("chat.postEphemeral") if c.params["user"] == user]


def _ref(call: Call) -> str:
    return f"{call.channel}:{call.answer['message_ts']}"


async def test_the_listing_is_private_and_within_block_kit_limits(slack: Workspace) -> None:
    await slack.command(PRIYA, "/template")
    (listing,) = _ephemeral_to(slack, PRIYA)
    assert "Right after the interview" in listing.words
    sections = [b for b in listing.params["blocks"] if b["type"] == "section"]
    assert all(len(b["text"]["text"]) <= 3000 for b in sections)
    assert slack.fake.posts() == []


async def test_fill_preview_then_post_in_the_anonymous_posters_thread(slack: Workspace) -> None:
    thread = await slack.share(LENA, anonymous="yes")
    await slack.command(LENA, "/template", text=f"{SECOND_CONVERSATION} email british")
    modal = slack.last_modal()
    assert modal["callback_id"] == f"rb:form:template:{SECOND_CONVERSATION}:email:british"
    missing = await slack.submit(LENA, modal, **{**SECOND_CONVERSATION_VALUES, "role": ""})
    errors = json.loads(missing.body)  # shown beside the field in the modal, nothing sent
    assert errors["response_action"] == "errors" and "role" in str(errors["errors"])
    await slack.submit(LENA, modal, **SECOND_CONVERSATION_VALUES)
    preview = _ephemeral_to(slack, LENA)[-1]
    assert "understated British" in preview.words and "Marta" in preview.words

    await slack.press(LENA, preview.button("Post it in my thread"), _ref(preview))

    (posted,) = [p for p in slack.fake.posts(SUPPORT) if "template library" in p.words]
    assert posted.params["thread_ts"] == thread.split(":")[1]
    assert "Marta" in posted.words and "[Your name]" in posted.words
    assert (
        SIGNED_AS not in posted.flat() and "Lena" not in posted.flat() and LENA not in posted.flat()
    )


async def test_send_privately_arrives_by_direct_message(slack: Workspace) -> None:
    await slack.command(PRIYA, "/template", text="keep_me_in_mind")
    await slack.submit(
        PRIYA, slack.last_modal(), interviewer_name="Ines", organisation="Acme", your_name="P"
    )
    preview = _ephemeral_to(slack, PRIYA)[-1]
    await slack.press(PRIYA, preview.button("Send it to me privately"), _ref(preview))
    dm = slack.fake.posts()[-1]
    assert dm.channel.startswith("D") and "Ines" in dm.words


async def test_a_moderator_saves_a_best_answer_as_a_template(slack: Workspace) -> None:
    thread = await slack.share(LENA)
    tip = await slack.say(PRIYA, "Ask for two lines of feedback; it's an easy yes.", thread=thread)
    await slack.shortcut(LENA, "mark_best", tip)
    await slack.shortcut(SAM, "save_template", tip)
    modal = slack.last_modal()
    assert modal["callback_id"].startswith("rb:form:template_add:")
    (block,) = modal["blocks"]
    source = block["element"]["initial_value"]
    assert "Ask for two lines of feedback" in source
    await slack.submit(SAM, modal, source=source)
    assert "Added" in _ephemeral_to(slack, SAM)[-1].words
    await slack.command(PRIYA, "/template")
    assert "[from this community]" in _ephemeral_to(slack, PRIYA)[-1].words


async def test_member_filled_values_cannot_ping_from_a_posted_template(slack: Workspace) -> None:
    thread = await slack.share(LENA, anonymous="yes")
    await slack.command(LENA, "/template", text=f"{SECOND_CONVERSATION} email british")
    pings = {
        "interviewer_name": "<!channel> Marta",
        "organisation": "@here Brightline <!everyone>",
        "role": "<@U0DEV> and <!subteam^S0MODS|mods>",
        "what_i_now_understand": "@channel it is analysis",
    }
    await slack.submit(LENA, slack.last_modal(), **{**SECOND_CONVERSATION_VALUES, **pings})
    preview = _ephemeral_to(slack, LENA)[-1]

    await slack.press(LENA, preview.button("Post it in my thread"), _ref(preview))

    (posted,) = [p for p in slack.fake.posts(SUPPORT) if "Brightline" in p.words]
    assert posted.params["thread_ts"] == thread.split(":")[1]
    assert posted.params["link_names"] is False and posted.params["parse"] == "none"
    for shown in (posted.words, posted.params["text"]):
        for syntax in ("<!", "<@", "&lt;!", "&lt;@"):
            assert syntax not in shown
        for broadcast in ("@here", "@channel", "@everyone"):
            assert broadcast not in shown


async def test_a_best_answer_longer_than_a_slack_text_field_can_still_be_saved(
    slack: Workspace,
) -> None:
    thread = await slack.share(LENA)
    long_tip = " ".join(f"step{n}" for n in range(900))  # ~6,000 characters
    tip = await slack.say(PRIYA, long_tip, thread=thread)
    await slack.shortcut(LENA, "mark_best", tip)

    await slack.shortcut(SAM, "save_template", tip)

    (opened,) = [c for c in slack.fake.calls if c.method == "views.open"][-1:]
    assert opened.status == 200 and opened.answer["ok"], opened.answer
    (block,) = opened.params["view"]["blocks"]
    assert len(block["element"]["initial_value"]) <= block["element"]["max_length"]
