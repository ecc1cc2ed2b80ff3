"""Installed into many workspaces, a start catches up every one of them: the replies
written in their open threads while Rebound was away are recorded once, each in its own
workspace, read with that workspace's token."""

from __future__ import annotations

from adapters.slack.refs import MessageRef
from tests.adapters.slack.installs import host
from tests.adapters.slack.workspace import SUPPORT, new_fake
from tests.support import replies_in


def _ts(ref: str) -> str:
    return MessageRef.parse(ref).ts


async def test_a_start_catches_up_every_installed_workspace(database_url: str) -> None:
    fake = new_fake()
    await fake.start()
    try:
        async with host(database_url, fake=fake) as before:
            alpha = await before.install("T0ALPHA")
            beta = await before.install("T0BETA")
            in_alpha = await alpha.share("U0LENA", title="Ghosted", body="Silence.")
            in_beta = await beta.share("U0DEV", title="Rejected", body="After four rounds.")
            await alpha.say("U0PRIYA", "Live reply", thread=in_alpha)
        # Away: members of both workspaces reply; no event reaches Rebound.
        fake.hold_message(SUPPORT, "U0TOMAS", "While you were away", _ts(in_alpha))
        fake.hold_message(SUPPORT, "U0ADE", "Me too", _ts(in_alpha))
        fake.hold_message(SUPPORT, "U0SAM", "Over here too", _ts(in_beta))

        async with host(database_url, fake=fake) as after:
            ready = await after.http.get("/readyz")  # started: no one workspace to check
            assert ready.status == 200, await ready.text()
            assert await after.adapter.catch_up() == 3
            store = after.adapter.core.store
            alpha_replies = await replies_in(store, "slack:T0ALPHA", in_alpha)
            beta_replies = await replies_in(store, "slack:T0BETA", in_beta)
            expected = ["Live reply", "While you were away", "Me too"]
            assert [r.text for r in alpha_replies] == expected
            assert [r.text for r in beta_replies] == ["Over here too"]
            reads = {c.params["ts"]: c.token for c in fake.of("conversations.replies")}
            assert reads[_ts(in_alpha)] == after.token_of("T0ALPHA")
            assert reads[_ts(in_beta)] == after.token_of("T0BETA")

            assert await after.adapter.catch_up() == 0  # read from the newest recorded
            assert len(await replies_in(store, "slack:T0BETA", in_beta)) == 1
    finally:
        await fake.stop()
