"""Server-rendered SVG charts: horizontal bars stacked by outcome, one row per bucket.

Each chart is an `<svg role="img">` named by its `<title>` and described by its `<desc>`
(which says every number, for screen readers and print), drawn in colours told apart by
colour-blind readers (Okabe-Ito), each segment with its own `<title>`. The page puts the
same numbers in a table beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from itertools import count

from markupsafe import Markup

# One colour per outcome, in the order of the results (Okabe-Ito).
PALETTE = ("#009E73", "#56B4E9", "#D55E00", "#E69F00", "#6b6b6b")
WIDTH = 640
LABEL_WIDTH = 170
BAR_HEIGHT = 22
GAP = 8
TOP = 8
LEGEND_ROW = 22
FONT = 13
_ids = count(1)


@dataclass(frozen=True)
class Row:
    label: str
    values: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.values)


def _text(value: str) -> str:
    return escape(value, quote=True)


def describe(rows: Sequence[Row], series: Sequence[str]) -> str:
    """Every number of the chart, in words."""
    if not rows:
        return "No data yet."
    parts = []
    for row in rows:
        split = ", ".join(f"{name} {value}" for name, value in zip(series, row.values, strict=True))
        parts.append(f"{row.label or 'Not given'}: {row.total} in all ({split})")
    return "; ".join(parts) + "."


def stacked_bars(title: str, rows: Sequence[Row], series: Sequence[str]) -> Markup:
    """A horizontal bar per row, its segments one per series, scaled to the longest row."""
    chart_id = f"chart-{next(_ids)}"
    longest = max((row.total for row in rows), default=0) or 1
    plot = WIDTH - LABEL_WIDTH - 50
    legend_rows = (len(series) + 2) // 3
    height = TOP + len(rows) * (BAR_HEIGHT + GAP) + legend_rows * LEGEND_ROW + 12
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{_text(title)}</title>',
        f'<desc id="{chart_id}-desc">{_text(describe(rows, series))}</desc>',
    ]
    for n, row in enumerate(rows):
        y = TOP + n * (BAR_HEIGHT + GAP)
        label = row.label or "Not given"
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + BAR_HEIGHT * 0.7:.1f}" text-anchor="end" '
            f'font-size="{FONT}" fill="#1a1a1a">{_text(label[:28])}</text>'
        )
        x = float(LABEL_WIDTH)
        for name, value, colour in zip(series, row.values, PALETTE, strict=False):
            if value <= 0:
                continue
            width = plot * value / longest
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="{BAR_HEIGHT}" '
                f'fill="{colour}" data-series="{_text(name)}" data-value="{value}">'
                f"<title>{_text(label)}: {_text(name)} {value}</title></rect>"
            )
            x += width
        parts.append(
            f'<text x="{x + 6:.1f}" y="{y + BAR_HEIGHT * 0.7:.1f}" font-size="{FONT}" '
            f'fill="#1a1a1a" class="total">{row.total}</text>'
        )
    legend_top = TOP + len(rows) * (BAR_HEIGHT + GAP) + 6
    for n, (name, colour) in enumerate(zip(series, PALETTE, strict=False)):
        x = 10 + (n % 3) * 210
        y = legend_top + (n // 3) * LEGEND_ROW
        parts.append(f'<rect x="{x}" y="{y}" width="14" height="14" fill="{colour}"/>')
        parts.append(
            f'<text x="{x + 20}" y="{y + 12}" font-size="{FONT}" fill="#1a1a1a">'
            f"{_text(name)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
