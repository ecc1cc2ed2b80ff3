"""A form that could not open in time comes back as a button that opens it.

Platforms open forms only in answer to a fresh interaction (Slack's trigger lives 3 s; a
Discord interaction answered already cannot show a modal). When an adapter reports
`FormTooLate`, the core keeps the form in the store and sends the member a private button;
pressing it is a new interaction, which opens the kept form, on any replica and after a
restart. One rule for every platform.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.common.context import Context
from bot.contract.actions import Verb, action_id, parse_action
from bot.contract.intent_codec import decode, encode
from bot.contract.intents import Button, Form, Intent, Notice, OpenForm
from bot.domain.errors import RuleViolation
from bot.domain.model import Member
from bot.store.repo import Repo


async def offer(ctx: Context, user_id: str, form: Form) -> Notice:
    """Keep `form` for `user_id`; the private message whose button opens it."""
    offer_id = await ctx.repo.form_offers.put(ctx.community_id, user_id, encode(form), ctx.now)
    message = ctx.message("form.offered", title=form.title)
    button = Button(
        label=form.title, action_id=action_id(Verb.OPEN_FORM, offer_id), style="primary"
    )
    return Notice(user_id=user_id, message=replace(message, buttons=(button,)))


def offer_id_of(action: str) -> int | None:
    """The offer a button opens, if it is a form offer's button."""
    parsed = parse_action(action)
    if parsed is None or parsed.name != Verb.OPEN_FORM:
        return None
    return parsed.number()


async def kept_form(
    repo: Repo, community_id: str, user_id: str, offer_id: int, now: datetime
) -> Form | None:
    """The form kept under `offer_id`, if it was offered to `user_id` and is still kept."""
    kept = await repo.form_offers.get(community_id, user_id, offer_id, now)
    if kept is None:
        return None
    form = decode(kept)
    assert isinstance(form, Form)
    return form


async def reopen(ctx: Context, actor: Member, offer_id: int | None) -> list[Intent]:
    """Open the kept form (through the router; adapters answering a click at once use
    `Rebound.offered_form`, one read and no event recorded)."""
    form = None
    if offer_id is not None:
        form = await kept_form(ctx.repo, ctx.community_id, actor.user_id, offer_id, ctx.now)
    if form is None:
        raise RuleViolation("error.form_expired")
    return [OpenForm(user_id=actor.user_id, form=form)]
