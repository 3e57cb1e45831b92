"""Geometry of the server-rendered SVG charts (templates/_macros/charts.html draws them).

Pure: numbers in, coordinates out. No chart JavaScript: every chart is plain SVG in the page,
with the same numbers in a table beside it. A missing value draws no bar and no point (a gap),
never a zero.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 360  # viewBox units; the SVG scales to the column (phones included)
LABEL_HEIGHT = 16
BAR_HEIGHT = 14
BAR_GAP = 3
GROUP_GAP = 10
VALUE_ROOM = 96  # room right of the longest bar for its value


@dataclass(frozen=True)
class Series:
    key: str  # css class suffix, e.g. "wfo"
    label: str


@dataclass(frozen=True)
class Bar:
    series: Series
    value: float | None
    x: float
    y: float
    width: float
    height: float
    text: str  # the formatted value, e.g. "3,25"


@dataclass(frozen=True)
class Group:
    label: str
    label_y: float
    bars: list[Bar]


@dataclass(frozen=True)
class HBarChart:
    width: int
    height: float
    groups: list[Group]
    series: list[Series]
    marker_x: float | None = None  # a reference line (e.g. the baseline), in chart units
    marker_label: str = ""


def scale_max(values: Sequence[float | None]) -> float:
    present = [v for v in values if v is not None]
    return max(present) if present and max(present) > 0 else 1.0


def nice_step(top: float, intervals: int = 5) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) so that ``intervals`` steps reach ``top``."""
    magnitude = 10 ** math.floor(math.log10(top / intervals))
    for multiple in (1, 2, 2.5, 5, 10):
        step = multiple * magnitude
        if step * intervals >= top:
            return step
    return 10 * magnitude


def hbar_chart(groups: Sequence[tuple[str, Sequence[float | None]]], series: Sequence[Series], fmt,
               marker: float | None = None, marker_label: str = "") -> HBarChart:
    """Horizontal bars: per group a label line, then one bar per series. ``fmt`` formats a value."""
    values = [v for _label, vals in groups for v in vals] + ([marker] if marker is not None else [])
    top = scale_max(values)
    span = WIDTH - VALUE_ROOM
    y = 0.0
    out = []
    for label, vals in groups:
        label_y = y + LABEL_HEIGHT - 4
        y += LABEL_HEIGHT
        bars = []
        for s, value in zip(series, vals, strict=True):
            width = 0.0 if value is None else max(0.0, value) / top * span
            bars.append(Bar(s, value, 0.0, y, round(width, 2), BAR_HEIGHT, "–" if value is None else fmt(value)))
            y += BAR_HEIGHT + BAR_GAP
        out.append(Group(label, label_y, bars))
        y += GROUP_GAP
    marker_x = None if marker is None else round(marker / top * span, 2)
    return HBarChart(WIDTH, max(y, 1.0), out, list(series), marker_x, marker_label)


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: float
    label: str  # x label
    text: str  # formatted value


@dataclass(frozen=True)
class Line:
    series: Series
    segments: list[list[Point]]  # broken where a value is missing

    @property
    def points(self) -> list[Point]:
        return [p for segment in self.segments for p in segment]


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    plot_left: float
    plot_top: float
    plot_bottom: float
    plot_right: float
    lines: list[Line]
    x_ticks: list[tuple[float, str]]
    y_ticks: list[tuple[float, str]]


def line_chart(x_labels: Sequence[str], series_values: Sequence[tuple[Series, Sequence[float | None]]], fmt,
               height: int = 220, tick_every: int = 1) -> LineChart:
    """Lines over evenly spaced x positions; y from zero to the largest value."""
    left, right, top_pad, bottom_pad = 40.0, WIDTH - 16.0, 10.0, height - 28.0
    step_y = nice_step(scale_max([v for _s, vals in series_values for v in vals]))
    top = step_y * math.ceil(scale_max([v for _s, vals in series_values for v in vals]) / step_y)
    count = len(x_labels)
    step = (right - left) / (count - 1) if count > 1 else 0.0

    def x_at(i: int) -> float:
        return round(left + i * step if count > 1 else (left + right) / 2, 2)

    def y_at(value: float) -> float:
        return round(bottom_pad - max(0.0, value) / top * (bottom_pad - top_pad), 2)

    lines = []
    for s, vals in series_values:
        segments: list[list[Point]] = []
        current: list[Point] = []
        for i, value in enumerate(vals):
            if value is None:
                if current:
                    segments.append(current)
                current = []
                continue
            current.append(Point(x_at(i), y_at(value), value, x_labels[i], fmt(value)))
        if current:
            segments.append(current)
        lines.append(Line(s, segments))
    x_ticks = [(x_at(i), label) for i, label in enumerate(x_labels) if i % tick_every == 0]
    y_ticks = [(y_at(step_y * k), fmt(step_y * k)) for k in range(round(top / step_y) + 1)]
    return LineChart(WIDTH, height, left, top_pad, bottom_pad, right, lines, x_ticks, y_ticks)
