"""`/rebound library [words]`: featured and best answers found by words (or featured ones
by topic), best first,
five at a time with a "More" button; only the asker sees them, until they post one into
their own thread (a "Post in my thread" button on each hit, see sharing.py).

Whatever is typed is only ever a list of plain words (`search_terms.query_words`): quotes, `*`,
`NEAR`, `-`, `:`, brackets or SQL are searched as words or dropped, never interpreted."""

from __future__ import annotations

from collections import Counter

from bot.common.context import Context
from bot.contract.actions import Verb, action_id
from bot.contract.intents import Button, Intent, Link, Message, Notice
from bot.domain.model import Member
from bot.features.library.ranking import ranked
from bot.features.library.topics import matching, topics
from bot.store.library_repo import Card, Hit
from bot.words.excerpt import excerpt
from bot.words.search_terms import query_words

PAGE = 5
# Terms carried by the "More" button, which Discord caps at 100 characters.
_BUTTON_TERMS_MAX = 70
_TOPIC_MARK = "t"


async def command(ctx: Context, actor: Member, text: str) -> list[Intent]:
    topic = matching(await topics(ctx), text) if text.strip() else None
    if topic is not None:
        return await _page(ctx, actor, [], topic, 0)
    return await _page(ctx, actor, query_words(text), None, 0)


async def more(ctx: Context, actor: Member, args: tuple[str, ...]) -> list[Intent]:
    """The "More" button: `rb:lpage:<page>:<terms joined by +>` or `...:t:<topic index>`."""
    page = int(args[0]) if args and args[0].isascii() and args[0].isdigit() else 0
    if len(args) > 2 and args[1] == _TOPIC_MARK and args[2].isascii() and args[2].isdigit():
        known = await topics(ctx)
        index = int(args[2])
        topic = known[index] if index < len(known) else None
        return await _page(ctx, actor, [], topic, min(page, 100))
    words = args[1].replace("+", " ") if len(args) > 1 else ""
    return await _page(ctx, actor, query_words(words), None, min(page, 100))


async def find(
    ctx: Context, terms: list[str], topic: str | None, exclude_setback: int | None = None
) -> tuple[list[Hit], dict[int, Card]]:
    """Visible featured answers for `terms` (or `topic`), ranked, with their cards."""
    hits = await ctx.repo.library.search(
        ctx.community_id, terms, topic=topic, exclude_setback=exclude_setback
    )
    cards = await ctx.repo.library.cards(ctx.community_id, [hit.featured for hit in hits])
    return ranked(hits, cards), cards


async def _page(
    ctx: Context, actor: Member, terms: list[str], topic: str | None, page: int
) -> list[Intent]:
    hits, cards = await find(ctx, terms, topic)
    shown = hits[page * PAGE : (page + 1) * PAGE]
    asked = topic or " ".join(terms)
    if not shown:
        known = ", ".join(await topics(ctx))
        return [ctx.notice(actor, "library.none", query=asked, topics=known)]
    header = ctx.say("library.header", query=asked, count=len(hits))
    lines = [header, *(hit_line(ctx, hit, cards.get(hit.featured.id)) for hit in shown)]
    buttons = tuple(share_button(ctx, hit) for hit in shown)
    if len(hits) > (page + 1) * PAGE:
        more = await _more_id(ctx, page + 1, terms, topic)
        buttons = (*buttons, Button(label=ctx.say("button.more"), action_id=more))
    links = tuple(hit_link(ctx, hit, cards.get(hit.featured.id)) for hit in shown)
    message = Message(
        text="\n".join(lines),
        buttons=buttons,
        links=tuple(link for link in links if link is not None),
        key="library.header",
        params={"count": len(hits)},
    )
    return [Notice(user_id=actor.user_id, message=message)]


async def _more_id(ctx: Context, page: int, terms: list[str], topic: str | None) -> str:
    if topic is not None:
        return action_id(Verb.LIBRARY_PAGE, page, _TOPIC_MARK, (await topics(ctx)).index(topic))
    carried = list(terms)
    while carried and len("+".join(carried)) > _BUTTON_TERMS_MAX:
        carried.pop()  # the most important words come first
    return action_id(Verb.LIBRARY_PAGE, page, "+".join(carried))


def share_button(ctx: Context, hit: Hit) -> Button:
    """ "Post in my thread" (see sharing.py): the hit stays private until pressed."""
    label = ctx.say("button.library_share", summary=excerpt(hit.featured.summary, 40))
    return Button(label=label, action_id=action_id(Verb.LIBRARY_SHARE, hit.featured.id))


def record_line(ctx: Context, card: Card | None) -> str:
    """The outcome record: how many posters acted on the answer and what each reported
    ("3 posters acted on this: It worked 2, Still waiting 1"); when only the thread's
    poster did, or only told how it went, in their name (as everyone sees it)."""
    if card is None:
        return ctx.say("library.record.none")
    if card.uptake and not (len(card.uptake) == 1 and card.acted_on and card.outcome):
        counted = Counter(card.uptake)
        results = ", ".join(
            ctx.say("library.record.result", result=ctx.say(f"result.{result}"), count=n)
            for result, n in sorted(counted.items(), key=lambda item: (-item[1], item[0]))
        )
        key = "library.record.one_poster" if len(card.uptake) == 1 else "library.record.posters"
        return ctx.say(key, count=len(card.uptake), results=results)
    if card.outcome is None:
        return ctx.say("library.record.none")
    result = ctx.say(f"result.{card.outcome}")
    key = "library.record.acted" if card.acted_on else "library.record.outcome"
    return ctx.say(key, author=card.shown_author, result=result)


def hit_line(ctx: Context, hit: Hit, card: Card | None) -> str:
    """A featured answer with its topic, or a best answer no moderator featured."""
    title, record = excerpt(card.title, 60) if card else "", record_line(ctx, card)
    summary = hit.featured.summary
    if not hit.featured.by_moderator:
        return ctx.say("library.hit_best", summary=summary, title=title, record=record)
    return ctx.say(
        "library.hit", summary=summary, topic=hit.featured.topic, title=title, record=record
    )


def hit_link(ctx: Context, hit: Hit, card: Card | None) -> Link | None:
    if card is None or card.message_ref is None:
        return None
    label = ctx.say("library.link", summary=excerpt(hit.featured.summary, 60))
    return Link(label=label, message_ref=card.message_ref)
