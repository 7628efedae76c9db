"""Charts drawn on the server as SVG: no JavaScript library, nothing to load on a phone.

A chart is an image with a text alternative: ``role="img"``, an ``aria-label`` (its
title), a ``<title>`` and a ``<desc>`` that spells out every number, so a screen reader
hears the figures the eye sees. Colours come from CSS classes (``series-<key>``): the
strict CSP allows no style attributes, and the page's stylesheet keeps the palette.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# The drawing's own coordinate system; CSS scales it to the width of the card.
WIDTH = 360
HEIGHT = 210
LEFT = 30  # room for the value axis
RIGHT = 6
TOP = 16  # room for the totals above the bars
BOTTOM = 26  # room for the category labels
BAR_SHARE = 0.7  # of each category's slot


@dataclass(frozen=True)
class Series:
    """One stacked part of every bar (e.g. one post type)."""

    key: str  # CSS class suffix: series-<key>
    label: str
    values: Sequence[int]


def nice_step(top: int, ticks: int = 4) -> int:
    """Return a round tick step (1, 2, 5 × 10ⁿ) that covers ``top`` in about ``ticks`` steps."""
    if top <= ticks:
        return 1
    raw = top / ticks
    magnitude = 1
    while magnitude * 10 <= raw:
        magnitude *= 10
    for factor in (1, 2, 5, 10):
        if factor * magnitude >= raw:
            return factor * magnitude
    return 10 * magnitude  # pragma: no cover - the loop always returns


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def stacked_bars(
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    chart_id: str,
    title: str,
    description: str,
    segment_label: str = "%(category)s · %(series)s: %(value)d",
) -> Markup:
    """Return an SVG stacked bar chart: one bar per category, one segment per series.

    ``description`` goes into ``<desc>`` and should state every number in words;
    ``segment_label`` names each segment's tooltip (%(category)s, %(series)s, %(value)d).
    """
    if any(len(s.values) != len(categories) for s in series):
        raise ValueError("every series needs one value per category")
    totals = [sum(s.values[i] for s in series) for i in range(len(categories))]
    step = nice_step(max(totals, default=0))
    top = max(step, -(-max(totals, default=0) // step) * step)
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(categories), 1)
    bar_w = slot * BAR_SHARE

    def y_of(value: float) -> float:
        return TOP + plot_h - plot_h * value / top

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" aria-describedby="{chart_id}-desc" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    for tick in range(0, top + 1, step):
        y = _number(y_of(tick))
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y}" y2="{y}"></line>'
            f'<text class="tick" x="{LEFT - 4}" y="{y}" text-anchor="end" '
            f'dominant-baseline="middle">{tick}</text>'
        )
    for index, category in enumerate(categories):
        x = LEFT + slot * index + (slot - bar_w) / 2
        base = 0
        for s in series:
            value = s.values[index]
            if value:
                y_top, y_bottom = y_of(base + value), y_of(base)
                tooltip = segment_label % {
                    "category": category,
                    "series": s.label,
                    "value": value,
                }
                parts.append(
                    f'<rect class="bar series-{escape(s.key)}" x="{_number(x)}" '
                    f'y="{_number(y_top)}" width="{_number(bar_w)}" '
                    f'height="{_number(y_bottom - y_top)}"><title>{escape(tooltip)}</title></rect>'
                )
                base += value
        centre = _number(x + bar_w / 2)
        if totals[index]:
            parts.append(
                f'<text class="total" x="{centre}" y="{_number(y_of(totals[index]) - 3)}" '
                f'text-anchor="middle">{totals[index]}</text>'
            )
        parts.append(
            f'<text class="category" x="{centre}" y="{HEIGHT - BOTTOM + 14}" '
            f'text-anchor="middle">{escape(category)}</text>'
        )
    parts.append(
        f'<line class="axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" '
        f'y1="{TOP + plot_h}" y2="{TOP + plot_h}"></line>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above is escaped
