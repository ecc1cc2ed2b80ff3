"""Care: the crisis screen's cost per message, and a 10,000-reply data export.

* screen: `Screen.check` over the benign corpus (tests/care/corpus), per message, beside
  the cost of only normalising the same text (the ratio is what the phrases add).
* export: `/rebound my-data` through `Rebound.handle` for a member with 10,000 replies on a
  fresh SQLite file: the time, the parts and the biggest part against Discord's 10 MB.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.common import BenchResult, CountingOutbox, Goal, percentile
from bot.common.clock import ManualClock
from bot.contract.events import CommandInvoked
from bot.contract.intents import Intent, SendFile
from bot.domain.model import CommunitySettings, Member, PostDraft, PostSource
from bot.engine.bootstrap import build_rebound
from bot.features.care.screen import screen_for

NAME = "care"
TITLE = "Care: crisis screen per message, 10,000-reply export (SQLite file)"
CORPUS = Path(__file__).resolve().parents[1] / "tests" / "care" / "corpus" / "benign_en.txt"
COMMUNITY = "console:bench"
MEMBER = Member(user_id="U-bench", display_name="Bench")
REPLIES_FULL, REPLIES_QUICK = 10_000, 200
ROUNDS_FULL, ROUNDS_QUICK = 20, 1
SCREEN_P50_GOAL_US = 200.0
EXPORT_GOAL_S = 2.0
FILE_LIMIT_MB = 10.0


def _lines() -> list[str]:
    text = CORPUS.read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


def _screen(result: BenchResult, rounds: int) -> None:
    screen, lines = screen_for("en"), _lines()
    checks: list[float] = []
    words: list[float] = []
    for _ in range(rounds):
        for line in lines:
            started = time.perf_counter()
            screen.words(line)
            words.append((time.perf_counter() - started) * 1e6)
            started = time.perf_counter()
            screen.check(line)
            checks.append((time.perf_counter() - started) * 1e6)
    result.add(
        "screen p50", statistics.median(checks), "µs", Goal("<=", SCREEN_P50_GOAL_US), key=True
    )
    result.add("screen p99", percentile(checks, 99), "µs")
    result.add("screen / normalise only", statistics.median(checks) / statistics.median(words), "x")


async def _export(result: BenchResult, replies: int, workdir: Path | None) -> None:
    with tempfile.TemporaryDirectory(dir=workdir) as folder:
        url = f"sqlite+aiosqlite:///{folder}/bench.db"
        now = datetime(2026, 3, 2, tzinfo=UTC)
        core = await build_rebound(url, ManualClock(now), worker="bench")
        try:
            await core.ensure_community(COMMUNITY, "console", CommunitySettings())
            async with core.store.transaction() as repo:
                draft = PostDraft(
                    title="t",
                    body="b",
                    stage=None,
                    kind=None,
                    tags=(),
                    anonymous=False,
                    ask_outcome_at=now,
                )
                post = await repo.add_post(
                    community_id=COMMUNITY,
                    poster_id="U-other",
                    poster_name="O",
                    draft=draft,
                    pseudonym="p",
                    source=PostSource.FORM,
                    channel_id="support",
                    now=now,
                    thread_ref="root",
                )
                for n in range(replies):
                    await repo.add_reply(
                        post,
                        author_id=MEMBER.user_id,
                        author_name=MEMBER.display_name,
                        text=f"reply {n}: " + "words of advice " * 20,
                        message_ref=f"m{n}",
                        now=now,
                    )
            event = CommandInvoked(
                community_id=COMMUNITY,
                event_id="bench-export",
                actor=MEMBER,
                command="rebound",
                text="my-data",
            )
            started = time.perf_counter()
            sent: list[Intent] = await core.handle(event, CountingOutbox())
            seconds = time.perf_counter() - started
        finally:
            await core.close()
    files = [i for i in sent if isinstance(i, SendFile)]
    result.add(f"export of {replies:,} replies", seconds, "s", Goal("<=", EXPORT_GOAL_S), key=True)
    result.add("export parts", len(files), "files")
    biggest = max(len(f.content) for f in files) / 1e6
    result.add("biggest part", biggest, "MB", Goal("<=", FILE_LIMIT_MB), key=True)


async def run(*, quick: bool = False, workdir: Path | None = None) -> BenchResult:
    result = BenchResult(NAME, TITLE)
    _screen(result, ROUNDS_QUICK if quick else ROUNDS_FULL)
    await _export(result, REPLIES_QUICK if quick else REPLIES_FULL, workdir)
    return result
