"""The chart renderer and the rollups' buckets, on their own."""

from __future__ import annotations

from adapters.web.charts import Row, describe, stacked_bars
from bot.engine.insights import median_wait
from bot.store.insights_repo import ReplyTimes
from bot.store.rollup_repo import LONGEST_BUCKET, delay_bucket


def test_a_chart_names_itself_says_its_numbers_and_escapes_member_words() -> None:
    rows = [Row('<script>alert("x")</script>', (3, 1, 0, 0, 0)), Row("", (0, 0, 2, 0, 0))]
    series = ["Worked", "Partly", "Not this time", "Still waiting", "Rather not say"]
    svg = str(stacked_bars("Outcomes by helper", rows, series))
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert "<title id=" in svg and "<desc id=" in svg and "aria-labelledby" in svg
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert svg.count('data-value="3"') == 1 and svg.count("<rect") == 3 + len(series)
    assert "Not given: 2 in all" in describe(rows, series)
    empty = str(stacked_bars("Nothing", [], series))
    assert "No data yet." in empty


def test_waits_fall_in_minutes_then_hours_then_days() -> None:
    assert [delay_bucket(m) for m in (0, 59, 60, 119, 2879)] == [0, 59, 60, 60, 2820]
    assert delay_bucket(2 * 1440 + 5) == 2 * 1440
    assert delay_bucket(10**7) == LONGEST_BUCKET
    assert delay_bucket(-3) == 0


def test_the_median_wait_is_the_middle_reply_s_bucket() -> None:
    assert median_wait(ReplyTimes(posts=5, waits=())) is None
    assert median_wait(ReplyTimes(posts=5, waits=((5, 1), (120, 1), (2880, 1)))) == 120
    assert median_wait(ReplyTimes(posts=5, waits=((5, 3), (120, 1)))) == 5
