"""The loop on Slack: post, reply, mark best, ask, answer, through the real AsyncApp."""

from __future__ import annotations

from tests.adapters.slack.workspace import SUPPORT, Workspace


async def test_setback_command_opens_the_modal_and_its_submission_starts_the_thread(
    slack: Workspace,
) -> None:
    response = await slack.command("U0LENA")

    assert response.status == 200
    modal = slack.last_modal()
    assert modal["callback_id"].startswith("rb:form:setback")
    names = [block["block_id"] for block in modal["blocks"]]
    assert names == ["title", "body", "stage", "kind", "tags", "anonymous", "ask_outcome_on"]

    thread = await slack.share("U0LENA", title="Ghosted after the panel", body="Three weeks now.")

    root = slack.fake.posts(SUPPORT)[-1]
    assert thread == root.ref
    assert "Ghosted after the panel" in root.words
    assert root.params["link_names"] is False
    assert root.params["username"] == "Lena"  # shown as the member who shared it
