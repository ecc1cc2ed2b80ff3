"""On Slack, member text is normalised before it is stored, like on every other path: the
listeners decide (`Rebound.decide`) before they acknowledge, rather than `Rebound.handle`."""

from __future__ import annotations

from tests.adapters.slack.fake_slack import TEAM_ID
from tests.adapters.slack.workspace import workspace
from tests.support import replies_in

LENA, PRIYA = "U0LENA", "U0PRIYA"
COMMUNITY = f"slack:{TEAM_ID}"


async def test_a_reply_with_nul_and_a_lone_surrogate_is_stored_normalised(
    database_url: str,
) -> None:
    async with workspace(database_url) as slack:
        thread = await slack.share(LENA)
        await slack.say(PRIYA, "Same\x00 here\ud800, cafe\u0301", thread=thread)  # acknowledged

        [reply] = await replies_in(slack.adapter.core.store, COMMUNITY, thread)
        assert reply.text == "Same here\ufffd, caf\u00e9"
