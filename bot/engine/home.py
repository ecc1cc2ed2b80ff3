"""A member's home page (Slack's App Home): their posts, coming outcome asks, templates.

Read-only: it changes nothing and records no delivery. The words come from `home.*` keys;
the adapter only lays them out.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.common.context import Context
from bot.domain.model import FollowUpKind, Member, Post
from bot.engine.runtime import Rebound

POSTS_SHOWN = 10


@dataclass(frozen=True)
class HomeSection:
    heading: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class HomePage:
    heading: str
    sections: tuple[HomeSection, ...]
    footer: str


async def home_page(core: Rebound, community_id: str, member: Member) -> HomePage:
    async with core.store.transaction() as repo:
        ctx = await core.context(repo, community_id, core.clock.now())
        posts = await repo.posts_by_poster(community_id, member.user_id, POSTS_SHOWN)
        asked = [post for post in posts if not (post.is_closed or post.stop_asking)]
        due = await repo.pending_due_ats((p.id for p in asked), FollowUpKind.OUTCOME_ASK)
    asks = [(post, due[post.id]) for post in asked if post.id in due]
    post_lines = tuple(_post_line(ctx, post) for post in posts)
    ask_lines = tuple(
        ctx.say("home.ask", title=post.title, date=ctx.day(due)) for post, due in asks
    )
    return HomePage(
        heading=ctx.say("home.heading"),
        sections=(
            HomeSection(ctx.say("home.posts_heading"), post_lines or (ctx.say("home.no_posts"),)),
            HomeSection(ctx.say("home.asks_heading"), ask_lines or (ctx.say("home.no_asks"),)),
        ),
        footer=ctx.say("home.templates"),
    )


def _post_line(ctx: Context, post: Post) -> str:
    status = ctx.say("setback.status.closed" if post.is_closed else "setback.status.open")
    return ctx.say("home.post", title=post.title, status=status, date=ctx.day(post.created_at))
