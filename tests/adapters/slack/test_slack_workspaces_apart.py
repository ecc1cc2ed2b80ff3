"""Each installed workspace is its own community: two workspaces on one process and one
database never cross (a reply, a best mark, a template, a follow-up), even where their
channel ids and message timestamps coincide."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from tests.adapters.slack.fake_slack import Call, member
from tests.adapters.slack.installs import Host, host
from tests.adapters.slack.workspace import Workspace

LENA, PRIYA, DEV, ADA = "U0LENA", "U0PRIYA", "U0DEV", "U0ADA"
FROM_COMMUNITY = "[from this community]"


def _ephemeral_to(h: Host, user: str, token: str) -> list[Call]:
    return [
        c for c in h.fake.of("chat.postEphemeral") if c.params["user"] == user and c.token == token
    ]


async def _best_marks(h: Host, community: str) -> int:
    async with h.adapter.core.store.engine.connect() as db:
        found = await db.execute(
            text(
                "SELECT count(*) FROM reply WHERE community_id = :c AND best_marked_at IS NOT NULL"
            ),
            {"c": community},
        )
        return int(found.scalar_one())


async def _replies(h: Host, community: str) -> int:
    async with h.adapter.core.store.engine.connect() as db:
        found = await db.execute(
            text("SELECT count(*) FROM reply WHERE community_id = :c"), {"c": community}
        )
        return int(found.scalar_one())


async def _save_template(ws: Workspace, moderator: str, tip: str) -> None:
    await ws.shortcut(moderator, "save_template", tip)
    modal = ws.last_modal()
    (block,) = modal["blocks"]
    await ws.submit(moderator, modal, source=block["element"]["initial_value"])


async def test_two_workspaces_never_cross(sqlite_url: str) -> None:
    async with host(sqlite_url) as h:
        h.fake.users[ADA] = member(ADA, "Ada", admin=True)  # an admin moderates
        alpha = await h.install("T0ALPHA")
        beta = await h.install("T0BETA")  # the same support channel id, on purpose
        alpha_token, beta_token = h.token_of("T0ALPHA"), h.token_of("T0BETA")
        thread = await alpha.share(LENA, title="Ghosted", body="Three weeks.")
        tip = await alpha.say(PRIYA, "Ask for two lines of feedback.", thread=thread)
        calls_before_beta = len(h.fake.calls)

        # Beta writes in "the same" thread and marks "the same" reply: nothing of Alpha's moves.
        await beta.say(DEV, "A stranger's words.", thread=thread)
        await beta.shortcut(ADA, "mark_best", tip)

        assert await _replies(h, "slack:T0ALPHA") == 1
        assert await _replies(h, "slack:T0BETA") == 0
        assert await _best_marks(h, "slack:T0ALPHA") == 0
        assert all(c.token != alpha_token for c in h.fake.calls[calls_before_beta:])

        # Alpha's best answer becomes Alpha's template; Beta's listing does not show it.
        await alpha.shortcut(LENA, "mark_best", tip)
        assert await _best_marks(h, "slack:T0ALPHA") == 1
        await _save_template(alpha, ADA, tip)
        await alpha.command(PRIYA, "/template")
        await beta.command(PRIYA, "/template")
        assert FROM_COMMUNITY in _ephemeral_to(h, PRIYA, alpha_token)[-1].words
        assert FROM_COMMUNITY not in _ephemeral_to(h, PRIYA, beta_token)[-1].words

        # Weeks later Alpha's follow-ups reach Alpha's poster with Alpha's token only.
        calls_before_follow_ups = len(h.fake.calls)
        await alpha.wait(timedelta(days=40))
        follow_ups = h.fake.calls[calls_before_follow_ups:]
        assert [c for c in follow_ups if c.method == "chat.postMessage"]
        assert all(c.token == alpha_token for c in follow_ups)
