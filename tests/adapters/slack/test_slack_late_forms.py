"""A form the core answered too late for Slack's 3-second trigger is not lost: the member
gets a private button that opens it with the trigger of their click."""

from __future__ import annotations

from tests.adapters.slack.fake_slack import Scripted
from tests.adapters.slack.workspace import SUPPORT, Workspace

LENA, PRIYA = "U0LENA", "U0PRIYA"
EXPIRED = Scripted(200, {"ok": False, "error": "expired_trigger_id"})


async def test_a_form_too_late_to_open_comes_back_as_a_button(slack: Workspace) -> None:
    slack.fake.script("views.open", EXPIRED)
    await slack.command(LENA, "/setback")

    offer = slack.fake.of("chat.postEphemeral")[-1]
    assert offer.params["user"] == LENA and offer.channel == SUPPORT
    opened_before = len(slack.fake.of("views.open"))
    ref = f"{offer.channel}:{offer.answer['message_ts']}"
    await slack.press(LENA, offer.button("Share a setback"), ref)

    opened = slack.fake.of("views.open")
    assert len(opened) == opened_before + 1 and opened[-1].status == 200
    assert opened[-1].params["view"]["callback_id"].startswith("rb:form:setback")
    fields = {"title": "Late but here", "body": "The form still works."}
    await slack.submit(LENA, slack.last_modal(), **fields)
    assert "Late but here" in slack.fake.posts(SUPPORT)[-1].words


async def test_someone_elses_or_an_unknown_opener_is_refused_privately(slack: Workspace) -> None:
    slack.fake.script("views.open", EXPIRED)
    await slack.command(LENA, "/setback")
    offer = slack.fake.of("chat.postEphemeral")[-1]
    ref = f"{offer.channel}:{offer.answer['message_ts']}"
    opened_before = len(slack.fake.of("views.open"))

    await slack.press(PRIYA, offer.button("Share a setback"), ref)
    await slack.press(LENA, "rb:open:999", ref)

    assert len(slack.fake.of("views.open")) == opened_before
    refusals = slack.fake.of("chat.postEphemeral")[-2:]
    assert [r.params["user"] for r in refusals] == [PRIYA, LENA]
    assert all("no longer open" in r.words for r in refusals)
