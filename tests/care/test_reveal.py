"""Revealing an anonymous poster: off by default; a moderator, a reason, the poster told."""

from __future__ import annotations

from bot.contract.intents import Intent, Notice
from bot.domain.model import CommunitySettings
from tests.support import COMMUNITY, JO, MAYA, SAM, harness

ALLOWED = CommunitySettings(helpers_channel="helpers", reveal_allowed=True)
REASON = "threats in a reply, reported to us"


def _keys(intents: list[Intent]) -> list[str | None]:
    return [i.message.key for i in intents if isinstance(i, Notice)]


async def test_off_by_default(sqlite_url: str) -> None:
    async with harness(sqlite_url) as h:
        await h.post(MAYA, anonymous="yes")
        said = await h.command(SAM, "rebound", f"reveal 1 {REASON}")
        assert _keys(said) == ["reveal.off"]
        assert MAYA.display_name not in " ".join(h.outbox.texts())


async def test_a_moderator_with_a_reason_learns_it_and_the_poster_is_told(
    database_url: str,
) -> None:
    async with harness(database_url, ALLOWED) as h:
        await h.post(MAYA, anonymous="yes")
        assert _keys(await h.command(JO, "rebound", f"reveal 1 {REASON}")) == [
            "care.moderators_only"
        ]
        assert _keys(await h.command(SAM, "rebound", "reveal 1")) == ["reveal.reason_needed"]
        assert _keys(await h.command(SAM, "rebound", "reveal x why")) == ["reveal.how"]
        said = await h.command(SAM, "rebound", f"reveal 1 {REASON}")
        [shown] = [i for i in said if isinstance(i, Notice)]
        assert shown.user_id == SAM.user_id and MAYA.display_name in shown.message.text
        [told] = h.outbox.direct_to(MAYA)[-1:]
        assert told.message.key == "reveal.told" and REASON in told.message.text
        async with h.core.store.transaction() as repo:
            assert await repo.care.events(COMMUNITY, 1) == [("reveal", SAM.user_id)]
        named = await h.post(JO)
        assert named
        assert _keys(await h.command(SAM, "rebound", f"reveal 2 {REASON}")) == [
            "reveal.not_anonymous"
        ]
