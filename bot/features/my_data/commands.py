"""`/rebound <what>`: a member's own data and choices (merged into the `/rebound` table,
bot/features/routes.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.common.context import Context
from bot.contract.intents import Intent
from bot.domain.model import Member
from bot.features.care import reveal
from bot.features.my_data import dm_choice, export, forget

Subcommand = Callable[[Context, Member, str], Awaitable[list[Intent]]]


async def _my_data(ctx: Context, actor: Member, _text: str) -> list[Intent]:
    return await export.my_data(ctx, actor)


async def _forget_me(ctx: Context, actor: Member, _text: str) -> list[Intent]:
    return forget.ask(ctx, actor)


async def _settings(ctx: Context, actor: Member, _text: str) -> list[Intent]:
    return await dm_choice.show(ctx, actor)


SUBCOMMANDS: dict[str, Subcommand] = {
    "my-data": _my_data,
    "forget-me": _forget_me,
    "settings": _settings,
    "reveal": reveal.reveal,
}
