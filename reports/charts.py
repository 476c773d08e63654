"""Server-rendered SVG bar charts (see docs/STATISTICS.md for why: no JavaScript, no CDN, prints sharply,
and the numbers come from the same Figure rows as the table and the CSV).

This module computes geometry; `templates/reports/_chart.html` draws the chart around it, and the bars
themselves come from `Chart.bars_svg` (a year of weeks is hundreds of bars: the template engine took
most of the page's time drawing them one variable at a time), the axes and labels from
`Chart.axis_svg`. Every bar carries its label and value as
data attributes and a <title>, so a person hovering, a screen reader and a test all read the same
number the table shows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from reports.templatetags.reports import format_value

WIDTH = 760
HEIGHT = 280
LEFT = 64
# About the width of a digit of the axis texts (12 px, static/css/app.css), in the chart's own units.
AXIS_CHAR_WIDTH = 7
RIGHT = 12
TOP = 12
BOTTOM = 46
ROW_HEIGHT = 26
LABEL_WIDTH = 230


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: int
    label: str
    value: str
    raw: str


@dataclass
class Tick:
    position: float
    text: str


@dataclass
class Chart:
    key: str
    kind: str  # "columns" (over time) or "bars" (categories, horizontal)
    width: int
    height: int
    bars: list[Bar] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    labels: list[Tick] = field(default_factory=list)
    legend: list[tuple[int, str]] = field(default_factory=list)
    plot: dict = field(default_factory=dict)

    @property
    def bars_svg(self) -> SafeString:
        """The bars' SVG, as the template wrote it before: a <rect> with its <title> per bar and, for
        horizontal bars, the value beside it (at whole-number positions, as the `add` filter gave)."""
        parts = []
        for bar in self.bars:
            label, value = escape(bar.label), escape(bar.value)
            parts.append(
                f'<rect class="bar series-{bar.series}" x="{bar.x}" y="{bar.y}" width="{bar.width}" '
                f'height="{bar.height}" data-label="{label}" data-value="{escape(bar.raw)}">'
                f"<title>{label}: {value}</title></rect>\n  "
            )
            if self.kind == "bars":
                parts.append(
                    f'<text class="value" x="{int(bar.x) + int(bar.width) + 6}" y="{int(bar.y) + 13}">{value}</text>'
                )
        return mark_safe("".join(parts))  # noqa: S308  (every text in it is escaped above)

    @property
    def axis_svg(self) -> SafeString:
        """The grid lines, axis texts and category labels, as the template wrote them before (a page of
        seven charts drew them one variable and one `add` filter at a time: about an eighth of the
        statistics page's time in-process, issue 11). Positions are written as the template wrote numbers with
        localization off (str), the `add` filter's sums as whole numbers."""
        x = int(self.plot["x"])
        if self.kind == "columns":
            right = x + int(self.plot["w"])
            ticks = "".join(
                f'<line class="grid" x1="{self.plot["x"]}" x2="{right}" y1="{tick.position}" y2="{tick.position}"/>\n'
                f'    <text class="axis" x="{x - 6}" y="{tick.position}" dy="4" text-anchor="end">'
                f"{escape(tick.text)}</text>"
                for tick in self.ticks
            )
            baseline = int(self.height) - 26
            labels = "".join(
                f'<text class="axis" x="{label.position}" y="{baseline}" text-anchor="middle">'
                f"{escape(label.text)}</text>"
                for label in self.labels
            )
            return mark_safe(f"\n    {ticks}\n    {labels}\n  ")  # noqa: S308  (every text in it is escaped above)
        labels = "".join(
            f'<text class="axis" x="{x - 8}" y="{label.position}" text-anchor="end">{escape(label.text)}</text>'
            for label in self.labels
        )
        return mark_safe(f"\n    {labels}\n  ")  # noqa: S308  (every text in it is escaped above)


def nice_ceiling(value: float) -> float:
    """A round top for the axis: 1, 2, 2.5 or 5 times a power of ten, at or above `value`."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _number(value) -> float:
    return float(value) if isinstance(value, int | float | Decimal) and value is not None else 0.0


def columns(figure, series: list[int], kinds: list[str]) -> Chart:
    """Vertical bars over time: one group per row, one bar per chosen value column."""
    rows = figure.rows
    top = nice_ceiling(max((_number(row[i]) for row in rows for i in series), default=0))
    if kinds[series[0] - 1] == "count":
        top = max(top, 5.0)  # whole numbers on the axis
    kind = kinds[series[0] - 1]
    tick_texts = [format_value(_tick(top * step / 5, kind), kind) for step in range(6)]
    # Room on the left for the longest value on the axis ("25 000,00 kr" is wider than the default).
    left = max(LEFT, round(14 + AXIS_CHAR_WIDTH * max(len(text) for text in tick_texts)))
    plot_w, plot_h = WIDTH - left - RIGHT, HEIGHT - TOP - BOTTOM
    chart = Chart(figure.key, "columns", WIDTH, HEIGHT, plot={"x": left, "y": TOP, "w": plot_w, "h": plot_h})
    group = plot_w / max(len(rows), 1)
    bar_w = max(group * 0.8 / len(series), 1)
    for index, row in enumerate(rows):
        for n, column in enumerate(series):
            value = _number(row[column])
            height = plot_h * value / top
            chart.bars.append(
                Bar(
                    x=round(left + index * group + group * 0.1 + n * bar_w, 2),
                    y=round(TOP + plot_h - height, 2),
                    width=round(bar_w, 2),
                    height=round(height, 2),
                    series=n,
                    label=str(row[0]),
                    value=format_value(row[column], kinds[column - 1]),
                    raw=str(row[column] if row[column] is not None else 0),
                )
            )
    every = max(1, math.ceil(len(rows) / 12))  # at most about 12 labels under the axis
    chart.labels = [
        Tick(round(left + index * group + group / 2, 2), str(row[0]))
        for index, row in enumerate(rows)
        if index % every == 0
    ]
    chart.ticks = [
        Tick(round(TOP + plot_h - plot_h * step / 5, 2), text) for step, text in enumerate(tick_texts)
    ]
    chart.legend = [(n, figure.columns[column]) for n, column in enumerate(series)] if len(series) > 1 else []
    return chart


def bars(figure, column: int, kind: str) -> Chart:
    """Horizontal bars, one per category row (vaccines, units, age groups, campaigns)."""
    rows = figure.rows
    height = TOP + BOTTOM // 2 + ROW_HEIGHT * max(len(rows), 1)
    plot_w = WIDTH - LABEL_WIDTH - RIGHT - 70
    top = nice_ceiling(max((_number(row[column]) for row in rows), default=0))
    chart = Chart(figure.key, "bars", WIDTH, height, plot={"x": LABEL_WIDTH, "y": TOP, "w": plot_w})
    for index, row in enumerate(rows):
        value = _number(row[column])
        y = TOP + index * ROW_HEIGHT
        chart.bars.append(
            Bar(
                x=LABEL_WIDTH,
                y=y + 4,
                width=round(plot_w * value / top, 2),
                height=ROW_HEIGHT - 8,
                series=0,
                label=str(row[0]),
                value=format_value(row[column], kind),
                raw=str(row[column] if row[column] is not None else 0),
            )
        )
        chart.labels.append(Tick(y + ROW_HEIGHT / 2 + 4, _truncate(str(row[0]))))
    return chart


def _tick(value: float, kind: str):
    if kind == "count":
        return round(value) if value == int(value) else round(value, 1)
    return Decimal(str(round(value, 2)))


def _truncate(text: str, length: int = 32) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"
