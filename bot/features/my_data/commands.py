"""`/rebound <what>`: a member's own data and choices."""

from __future__ import annotations

from bot.common.context import Context
from bot.contract.intents import Intent
from bot.domain.model import Member
from bot.features.care import reveal
from bot.features.my_data import dm_choice, export, forget, mine

COMMAND = "rebound"


async def command(ctx: Context, actor: Member, text: str) -> list[Intent]:
    what = text.strip().lower().split()[0] if text.strip() else ""
    if what == "my-data":
        return await export.my_data(ctx, actor)
    if what == "forget-me":
        return forget.ask(ctx, actor)
    if what == "settings":
        return await dm_choice.show(ctx, actor)
    if what == "mine":
        return await mine.show(ctx, actor)
    if what == "reveal":
        return await reveal.reveal(ctx, actor, text.strip()[len(what) :])
    return [ctx.notice(actor, "command.rebound_help")]
