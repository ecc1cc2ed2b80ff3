"""The library's search at scale, on SQLite and PostgreSQL.

Generates setbacks, replies and featured answers in bulk (deterministic text from a fixed
vocabulary with a long tail), then measures over a fixed set of 200 queries (common, rare
and multi-word):

* library query: what `/rebound library` runs (the full-text match ranked in the engine,
  the visibility joins, the cards and their outcome records, the outcome lift), beside
  the raw query on the same index: a bare FTS5 `MATCH` on SQLite, a bare `@@ to_tsquery`
  on PostgreSQL (no ranking, no scoping, every match returned).
* similar-setback suggestions for a new post (the same search from its title and story).
* the posting path: 1,000 posts through `Rebound.handle`, with suggestions and without
  (the member turned them off), p99 of each.
* the index size: bytes per library entry (FTS5's tables; the tsvector table and its GIN
  index).
"""

from __future__ import annotations

import itertools
import random
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from bench.common import (
    BenchResult,
    CountingOutbox,
    Goal,
    percentile,
    postgres_base_url,
    postgres_unreachable,
    scratch_postgres,
)
from bot.common.clock import ManualClock
from bot.contract.actions import FormKind, form_id
from bot.contract.events import FormSubmitted
from bot.domain.model import CommunitySettings, Member, Post, PostSource
from bot.engine.bootstrap import build_rebound
from bot.engine.runtime import Rebound
from bot.features.library.search import find
from bot.features.library.suggestions import after_post
from bot.store.library_repo import FEATURED
from bot.store.library_search import TABLE
from bot.store.statements import REPLY, SETBACK
from bot.words.search_terms import query_words

NAME = "library"
TITLE = "Library search and similar setbacks at scale (SQLite and PostgreSQL)"


QUERIES = 200


@dataclass(frozen=True)
class Sizes:
    setbacks: int
    replies: int
    featured: int
    posts: int = 1_000
    queries: int = QUERIES


FULL = Sizes(1_000_000, 3_000_000, 50_000)
QUICK = Sizes(100_000, 300_000, 5_000)
COMMUNITY = "console:bench"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CHUNK = 5_000
RATIO_GOAL = 2.0
POSTING_GOAL = 1.2
_COMMON = [
    "interview",
    "recruiter",
    "feedback",
    "rejected",
    "panel",
    "screen",
    "offer",
    "role",
    "salary",
    "nervous",
    "question",
    "answer",
    "follow",
    "email",
    "thank",
    "manager",
    "team",
    "technical",
    "design",
    "data",
    "call",
]
_TAIL = [f"{a}{b}" for a in ("kel", "mar", "tov", "zun", "pra", "lis", "dov") for b in range(300)]


def _words(rng: random.Random, n: int) -> str:
    """Mostly common words, a few from the long tail (rare, as real jargon is)."""
    return " ".join(
        rng.choice(_COMMON) if rng.random() < 0.8 else rng.choice(_TAIL) for _ in range(n)
    )


def _queries(rng: random.Random, count: int) -> list[list[str]]:
    common = [[w] for w in _COMMON]
    rare = [[rng.choice(_TAIL)] for _ in range(80)]
    multi = [query_words(_words(rng, rng.randint(2, 3))) for _ in range(count)]
    return (common + rare + multi)[:count]


def _setback_row(n: int, rng: random.Random) -> dict[str, Any]:
    return {
        "id": n,
        "community_id": COMMUNITY,
        "poster_id": f"U{n % 5000}",
        "poster_name": f"Member {n % 5000}",
        "anonymous": n % 7 == 0,
        "pseudonym": f"Calm Otter {n}",
        "title": _words(rng, 6)[:200],
        "body": _words(rng, 30),
        "tags": [],
        "source": PostSource.FORM.value,
        "channel_id": "support",
        "thread_ref": f"t{n}",
        "created_at": START,
        "last_activity_at": START,
        "outcome_ask_at": START + timedelta(days=14),
        "stop_asking": False,
        "still_waiting_count": 0,
        "version": 0,
    }


async def _fill(core: Rebound, sizes: Sizes) -> None:
    """Setbacks, replies (three per post at most) and featured answers, in bulk."""
    rng = random.Random(9)
    engine = core.store.engine
    per_post = max(sizes.replies // sizes.setbacks, 1)
    for first in range(1, sizes.setbacks + 1, CHUNK):
        ids = range(first, min(first + CHUNK, sizes.setbacks + 1))
        posts = [_setback_row(n, rng) for n in ids]
        replies = [
            {
                "id": (n - 1) * per_post + k + 1,
                "community_id": COMMUNITY,
                "setback_id": n,
                "author_id": f"U{(n + k) % 5000}",
                "author_name": "Helper",
                "by_poster": False,
                "relayed": False,
                "text": _words(rng, 20),
                "message_ref": f"m{n}-{k}",
                "created_at": START,
                "deleted": False,
            }
            for n in ids
            for k in range(per_post)
        ]
        async with engine.begin() as db:
            await db.execute(SETBACK.insert(), posts)
            await db.execute(REPLY.insert(), replies)
    step = max(sizes.setbacks // sizes.featured, 1)
    async with engine.begin() as db:
        chosen = [1 + i * step for i in range(sizes.featured)]
        for first in range(0, len(chosen), CHUNK):
            batch = chosen[first : first + CHUNK]
            texts = (
                await db.execute(
                    select(SETBACK.c.id, SETBACK.c.title, SETBACK.c.body, REPLY.c.id, REPLY.c.text)
                    .join(REPLY, REPLY.c.setback_id == SETBACK.c.id)
                    .where(SETBACK.c.id.in_(batch), REPLY.c.id == (SETBACK.c.id - 1) * per_post + 1)
                )
            ).all()
            featured: list[dict[str, Any]] = []
            documents: list[dict[str, Any]] = []
            for post_id, title, body, reply_id, reply in texts:
                summary = reply[:120]
                featured.append(
                    {
                        "id": post_id,
                        "community_id": COMMUNITY,
                        "reply_id": reply_id,
                        "setback_id": post_id,
                        "topic": "Ghosting",
                        "summary": summary,
                        "featured_by": "U-mod",
                        "featured_at": START,
                        "updated_at": START,
                    }
                )
                document = " ".join((summary, "Ghosting", title, body, reply))
                documents.append({"id": post_id, "c": COMMUNITY, "doc": document})
            await db.execute(FEATURED.insert(), featured)
            await db.execute(text(_INDEX_ROW[engine.dialect.name]), documents)
        if engine.dialect.name == "postgresql":
            await db.execute(text("SELECT setval('setback_id_seq', (SELECT max(id) FROM setback))"))
            await db.execute(text("SELECT setval('reply_id_seq', (SELECT max(id) FROM reply))"))
            await db.execute(
                text(
                    "SELECT setval('featured_answer_id_seq', (SELECT max(id) FROM featured_answer))"
                )
            )
            await db.execute(text("ANALYZE"))
        else:
            await db.execute(text("ANALYZE"))


_INDEX_ROW = {
    "sqlite": f"INSERT INTO {TABLE} (rowid, community_id, doc) VALUES (:id, :c, :doc)",
    "postgresql": (
        f"INSERT INTO {TABLE} (featured_id, community_id, doc) "
        "VALUES (:id, :c, to_tsvector('english', :doc))"
    ),
}


Samples = dict[str, list[float]]


async def _timed(samples: Samples, key: str, work: Callable[[], Awaitable[object]]) -> None:
    """Wall time under `key`, this process's CPU time under `key` + " cpu" (the
    PostgreSQL server's CPU is not in it)."""
    started, cpu = time.perf_counter(), time.process_time()
    await work()
    samples.setdefault(f"{key} cpu", []).append((time.process_time() - cpu) * 1000)
    samples.setdefault(key, []).append((time.perf_counter() - started) * 1000)


async def _measure_queries(core: Rebound, queries: list[list[str]]) -> Samples:
    samples: Samples = {}
    rng = random.Random(5)
    member = Member(user_id="U-new", display_name="New")
    for terms in queries:
        async with core.store.transaction() as repo:
            ctx = await core.context(repo, COMMUNITY, START)
            await _timed(samples, "library", partial(find, ctx, terms, None))
            await _timed(samples, "raw", partial(repo.library.raw_match, terms))
            post = Post(
                **{**_setback_row(0, rng), "id": 0, "tags": (), "source": PostSource.FORM},
                status_message_ref=None,
                closed_at=None,
                stage=None,
                kind=None,
            )
            await _timed(samples, "suggest", partial(after_post, ctx, member, post))
    return samples


async def _posting(core: Rebound, posts: int, rng: random.Random) -> Samples:
    """Each post through `Rebound.handle` (what the poster waits on), then a scheduler tick
    fires its similar setbacks, as a running worker does right after the commit: `shown`
    is the whole time from submitting to the suggestions delivered."""
    outbox, ids = CountingOutbox(), itertools.count(1)
    samples: Samples = {"shown": []}
    quiet = Member(user_id="U-quiet", display_name="Quiet")
    asks = Member(user_id="U-asks", display_name="Asks")
    async with core.store.transaction() as repo:
        await repo.library.set_suggestions_off(COMMUNITY, quiet.user_id, True)
    for n in range(posts):
        pair = [("with", asks), ("without", quiet)]
        for label, member in pair if n % 2 == 0 else reversed(pair):  # neither always first
            values = {"title": _words(rng, 6), "body": _words(rng, 30)}
            event = FormSubmitted(
                community_id=COMMUNITY,
                event_id=f"p-{next(ids)}",
                actor=member,
                form_id=form_id(FormKind.SETBACK),
                values=values,
            )
            started = time.perf_counter()
            await _timed(samples, label, partial(core.handle, event, outbox))
            await core.tick(lambda _community: outbox, frozenset({"console"}))
            if label == "with":
                samples["shown"].append((time.perf_counter() - started) * 1000)
    return samples


async def _index_bytes(core: Rebound) -> float | None:
    async with core.store.engine.connect() as db:
        if core.store.engine.dialect.name == "postgresql":
            size = (await db.execute(text(f"SELECT pg_total_relation_size('{TABLE}')"))).scalar()
            return float(size or 0)
        try:
            size = (
                await db.execute(text(f"SELECT sum(pgsize) FROM dbstat WHERE name LIKE '{TABLE}%'"))
            ).scalar()
        except Exception:  # dbstat is an optional SQLite module
            return None
        return float(size or 0)


async def _one(result: BenchResult, label: str, url: str, sizes: Sizes) -> None:
    core = await build_rebound(url, ManualClock(START), worker="bench")
    try:
        await core.ensure_community(COMMUNITY, "console", CommunitySettings())
        started = time.perf_counter()
        await _fill(core, sizes)
        result.notes.append(
            f"{label}: {sizes.setbacks:,} setbacks, {sizes.replies:,} replies, "
            f"{sizes.featured:,} featured generated in {time.perf_counter() - started:.1f} s"
        )
        samples = await _measure_queries(core, _queries(random.Random(3), sizes.queries))
        raw95 = percentile(samples["raw"], 95)
        lib95 = percentile(samples["library"], 95)
        result.add(f"{label} library p50", percentile(samples["library"], 50), "ms")
        result.add(f"{label} library p95", lib95, "ms", key=True)
        result.add(f"{label} raw index p95", raw95, "ms")
        for key, name in (("library", "library"), ("raw", "raw index")):
            result.add(f"{label} {name} CPU p95", percentile(samples[f"{key} cpu"], 95), "ms")
        result.add(
            f"{label} library/raw p95", lib95 / max(raw95, 1e-6), "x", Goal("<=", RATIO_GOAL)
        )
        result.add(f"{label} suggestions p95", percentile(samples["suggest"], 95), "ms", key=True)
        posting = await _posting(core, sizes.posts, random.Random(11))
        with99, without99 = percentile(posting["with"], 99), percentile(posting["without"], 99)
        result.add(f"{label} post+suggestions p99", with99, "ms")
        result.add(f"{label} post without p99", without99, "ms")
        for key, name in (("with", "post+suggestions"), ("without", "post without")):
            result.add(f"{label} {name} CPU p99", percentile(posting[f"{key} cpu"], 99), "ms")
        shown99 = percentile(posting["shown"], 99)
        result.add(f"{label} post to suggestions shown p99", shown99, "ms")
        result.add(
            f"{label} posting with/without p99",
            with99 / max(without99, 1e-6),
            "x",
            Goal("<=", POSTING_GOAL),
        )
        async with core.store.engine.connect() as db:
            answers = (await db.execute(select(func.count()).select_from(FEATURED))).scalar_one()
        size = await _index_bytes(core)
        if size is not None:
            result.add(f"{label} index bytes per answer", size / max(answers, 1), "B")
    finally:
        await core.close()


async def run(
    *,
    quick: bool = False,
    postgres: bool = True,
    workdir: Path | None = None,
    sizes: Sizes | None = None,
) -> BenchResult:
    sizes = sizes or (QUICK if quick else FULL)
    result = BenchResult(NAME, TITLE)
    with tempfile.TemporaryDirectory(dir=workdir) as folder:
        await _one(result, "SQLite", f"sqlite+aiosqlite:///{Path(folder) / 'library.db'}", sizes)
    if not postgres:
        result.notes.append("PostgreSQL SKIPPED (--no-postgres)")
        return result
    base = postgres_base_url()
    problem = await postgres_unreachable(base)
    if problem is not None:
        result.notes.append(f"PostgreSQL SKIPPED: {problem}")
        return result
    async with scratch_postgres(base) as url:
        await _one(result, "PostgreSQL", url.render_as_string(hide_password=False), sizes)
    return result
