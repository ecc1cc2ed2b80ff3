"""Discord's metrics in process: events decided, and each interaction's answer timed."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from adapters.discord.app import discord_ops, observe
from adapters.ops_http import Ops
from tests.adapters.discord.conftest import LENA, PRIYA, Actions, World, uid


def samples(ops: Ops) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    exposition = ops.recorder.exposition().decode()
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(exposition)
        for s in family.samples
    }


async def test_a_post_and_a_reply_are_counted_and_each_interaction_answer_timed(
    discord_world: World, act: Actions
) -> None:
    ops = Ops(discord_world.bridge.core.store.engine)
    observe(discord_world.bridge, ops)

    thread = await act.post_setback(LENA, anonymous=True)  # /setback, then its modal
    await act.say(PRIYA, thread, "Write to the recruiter.")

    found = samples(ops)
    events = {
        dict(labels)["kind"]: value
        for (name, labels), value in found.items()
        if name == "rebound_events_total" and dict(labels)["result"] == "applied"
    }
    assert events == {"CommandInvoked": 1, "FormSubmitted": 1, "MessagePosted": 1}
    acks = ("rebound_ack_seconds_count", frozenset({("adapter", "discord_interaction")}))
    assert found[acks] == 2  # the command's modal, the submission's answer
    assert found[("rebound_outbound_total", frozenset({("outcome", "delivered")}))] >= 1
    exposition = ops.recorder.exposition().decode()
    assert uid(LENA) not in exposition and "recruiter" not in exposition


async def test_ops_served_before_the_client_exists_are_not_ready(sqlite_url: str) -> None:
    """`rebound discord` serves /readyz while it still builds its core and client: until
    the gateway check is added, readiness says "starting" (a probe once read 200 there)."""
    ops = discord_ops(sqlite_url)
    try:
        assert (await ops.verdicts())["discord_gateway"] == "starting"
        ops.require("discord_gateway", lambda: True)
        assert set((await ops.verdicts()).values()) == {"ok"}
    finally:
        await ops.engine.dispose()
