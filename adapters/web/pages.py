"""What the templates need beyond the core's figures: the charts, thread links, dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup

from adapters.web.charts import Row, stacked_bars
from bot.api import CommunityId, OutcomesPage

SLACK_THREAD = "https://app.slack.com/client/{team}/{channel}/thread/{channel}-{ts}"
DISCORD_THREAD = "https://discord.com/channels/{guild}/{thread}"


@dataclass(frozen=True)
class Chart:
    """A chart and the table beside it, with the same numbers."""

    slug: str
    title: str
    svg: Markup
    rows: list[Row]
    series: list[str]


def outcome_charts(figures: OutcomesPage) -> list[Chart]:
    series = [label for _, label in figures.results]
    wanted = [
        ("by-month", "Outcomes reported, by month", figures.by_month),
        ("by-stage", "Outcomes by interview stage", figures.by_stage),
        ("by-kind", "Outcomes by kind of setback", figures.by_kind),
        ("helpers", "Helpers whose replies posters acted on", figures.helpers),
        ("templates", "Templates posters sent", figures.templates),
    ]
    charts = []
    for slug, title, counts in wanted:
        rows = [Row(c.label, c.by_result) for c in counts]
        charts.append(Chart(slug, title, stacked_bars(title, rows, series), rows, series))
    return charts


def first_reply_chart(figures: OutcomesPage) -> Chart:
    series = ["Within a day", "Later", "No reply yet"]
    later = figures.replied - figures.replied_within_day
    waiting = max(figures.posts - figures.replied, 0)
    rows = [Row("Setbacks", (figures.replied_within_day, later, waiting))]
    title = "First replies: within a day, later, or not yet"
    return Chart("first-reply", title, stacked_bars(title, rows, series), rows, series)


def share(part: int, whole: int) -> str:
    return "none yet" if whole == 0 else f"{100 * part / whole:.0f}%"


def wait(minutes: int | None) -> str:
    if minutes is None:
        return "no replies yet"
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} days"


def thread_link(community: str, channel_id: str, thread_ref: str | None) -> str | None:
    """The post's thread on its platform, for a moderator to open; None if unknown."""
    if not thread_ref:
        return None
    parsed = CommunityId.parse(community)
    if parsed.platform == "slack":
        channel, _, ts = thread_ref.partition(":")
        if not ts:
            channel, ts = channel_id, thread_ref
        return SLACK_THREAD.format(team=parsed.native, channel=channel, ts=ts)
    if parsed.platform == "discord":
        thread = thread_ref.partition(":")[0]
        return DISCORD_THREAD.format(guild=parsed.native, thread=thread)
    return None


def when(moment: datetime | None) -> str:
    return "" if moment is None else f"{moment:%Y-%m-%d %H:%M} UTC"
