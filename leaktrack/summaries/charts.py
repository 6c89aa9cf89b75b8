"""Bar charts drawn on the server as SVG: nothing to load, nothing to run in the browser.

The drawing carries no numbers a person needs: every chart on a page comes with a table of its
figures, which screen readers read instead (the SVG is an image labelled by its title).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 8, 12, 28


@dataclass(frozen=True)
class Series:
    label: str
    #: CSS class that colours the bars (chart__bar--<css>)
    css: str
    values: Sequence[float | None]


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10^n at or above value (at least 1)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power  # pragma: no cover


def _number(value: float) -> str:
    return f"{value:g}" if value < 10_000 else f"{value / 1000:g}k"


def bar_chart(
    *,
    chart_id: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    stacked: bool = False,
    axis_format: Callable[[float], str] = _number,
) -> Markup:
    """A vertical bar chart, bars grouped or stacked per label, as an accessible SVG image."""
    count = max(len(labels), 1)
    totals = [
        sum(s.values[i] or 0 for s in series)
        if stacked
        else max((s.values[i] or 0 for s in series), default=0)
        for i in range(len(labels))
    ]
    top = nice_ceiling(max(totals, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / count
    bar_w = slot * 0.7 / (1 if stacked else max(len(series), 1))

    def y(value: float) -> float:
        return TOP + plot_h - plot_h * value / top

    parts = [
        f'<svg class="chart" id="{escape(chart_id)}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="{escape(chart_id)}-title" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
    ]
    for tick in range(5):
        value = top * tick / 4
        parts.append(
            f'<line class="chart__grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" '
            f'y1="{y(value):.1f}" y2="{y(value):.1f}"/>'
            f'<text class="chart__axis" x="{LEFT - 6}" y="{y(value) + 4:.1f}" '
            f'text-anchor="end">{escape(axis_format(value))}</text>'
        )
    for i, label in enumerate(labels):
        x0 = LEFT + slot * i + slot * 0.15
        base = 0.0
        for n, s in enumerate(series):
            value = s.values[i]
            if not value:
                continue
            x = x0 if stacked else x0 + bar_w * n
            bottom = base if stacked else 0
            parts.append(
                f'<rect class="chart__bar chart__bar--{escape(s.css)}" x="{x:.1f}" '
                f'y="{y(bottom + value):.1f}" width="{bar_w:.1f}" '
                f'height="{y(bottom) - y(bottom + value):.1f}"><title>{escape(label)} · '
                f"{escape(s.label)}: {escape(axis_format(value))}</title></rect>"
            )
            if stacked:
                base += value
        parts.append(
            f'<text class="chart__label" x="{LEFT + slot * (i + 0.5):.1f}" '
            f'y="{HEIGHT - 8}" text-anchor="middle">{escape(label)}</text>'
        )
    parts.append("</svg>")
    legend = "".join(
        f'<li class="chart__key"><span class="chart__swatch chart__bar--{escape(s.css)}">'
        f"</span>{escape(s.label)}</li>"
        for s in series
    )
    return Markup(
        "".join(parts) + (f'<ul class="chart__legend">{legend}</ul>' if len(series) > 1 else "")
    )
