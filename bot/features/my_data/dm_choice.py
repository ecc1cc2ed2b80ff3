"""Direct messages, by the member's choice: one button in every DM Rebound starts stops
them all, and `/rebound settings` turns them back on.

An opted-out member gets none of the DMs Rebound starts (`UNASKED`). Reminders and outcome
asks are not lost: the scheduler holds them (`bot/features/care/pauses.py`), and they wait
in `/rebound mine` and the App Home.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.common.context import Context
from bot.contract.actions import Verb, action_id
from bot.contract.intents import Button, DirectTo, Intent, Send
from bot.domain.model import Member

# The direct messages Rebound starts (not answers to what the member just did, such as a
# form asked by private message or a template sent privately): what the choice covers.
# What someone in crisis is told, and that they were revealed, go whatever the choice.
UNASKED = frozenset(
    {"best.author_told", "reminder.best", "outcome.ask", "outcome.told", "outcome.told_acted"}
)


def _dm_to(intent: Intent) -> str | None:
    if not (isinstance(intent, Send) and isinstance(intent.target, DirectTo)):
        return None
    return intent.target.user_id if intent.message.key in UNASKED else None


async def apply(ctx: Context, intents: Sequence[Intent]) -> list[Intent]:
    """`intents` without DMs to opted-out members, and with the opt-out button on the rest."""
    recipients = {user for intent in intents if (user := _dm_to(intent))}
    if not recipients:
        return list(intents)
    silent = await ctx.repo.care.dm_opted_out(ctx.community_id, recipients)
    stop = Button(label=ctx.say("button.dm_opt_out"), action_id=action_id(Verb.DM_OFF))
    kept: list[Intent] = []
    for intent in intents:
        user = _dm_to(intent)
        if user is None:
            kept.append(intent)
        elif user not in silent:
            assert isinstance(intent, Send)
            buttons = (*intent.message.buttons, stop)
            kept.append(replace(intent, message=replace(intent.message, buttons=buttons)))
    return kept


async def stop(ctx: Context, actor: Member, _record: int | None) -> list[Intent]:
    await ctx.repo.care.set_dm_opt_out(ctx.community_id, actor.user_id, True, ctx.now)
    return [ctx.notice(actor, "settings.dm_stopped")]


async def start(ctx: Context, actor: Member, _record: int | None) -> list[Intent]:
    await ctx.repo.care.set_dm_opt_out(ctx.community_id, actor.user_id, False, ctx.now)
    return [ctx.notice(actor, "settings.dm_started")]


async def show(ctx: Context, actor: Member) -> list[Intent]:
    """`/rebound settings`: the choice as it stands, and a button to change it."""
    off = actor.user_id in await ctx.repo.care.dm_opted_out(ctx.community_id, [actor.user_id])
    verb, label = (Verb.DM_ON, "button.dm_opt_in") if off else (Verb.DM_OFF, "button.dm_opt_out")
    notice = ctx.notice(actor, "settings.dm_off" if off else "settings.dm_on")
    toggle = Button(label=ctx.say(label), action_id=action_id(verb))
    return [replace(notice, message=replace(notice.message, buttons=(toggle,)))]
