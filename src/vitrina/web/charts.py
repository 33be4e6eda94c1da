"""Small inline SVG charts drawn on the server: no chart library, nothing to download."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from html import escape

from markupsafe import Markup

from vitrina.analytics.searches import SearchDay
from vitrina.web.dashboard import OUTCOME_GROUPS, DayActivity

WIDTH, HEIGHT = 640, 200
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 10, 24
COLOURS = {
    "applied": "#2e7d32",
    "duplicate": "#90a4ae",
    "stale": "#f9a825",
    "rejected": "#c62828",
    "avg": "#1565c0",
    "p95": "#8e24aa",
    "matched": "#2e7d32",
    "no_match": "#f9a825",
    "clicks": "#1565c0",
}


def _nice_max(value: float) -> float:
    """An axis maximum at or above ``value`` whose quarters are round numbers (4 × 1, 2, 2.5, 5 × 10ⁿ)."""
    if value <= 0:
        return 4.0
    quarter = value / 4
    magnitude = 10 ** math.floor(math.log10(quarter))
    for step in (1, 2, 2.5, 5, 10):
        if quarter <= step * magnitude:
            return float(4 * step * magnitude)
    return float(40 * magnitude)


def _frame(title: str, top: float, unit: str) -> list[str]:
    plot_h = HEIGHT - TOP - BOTTOM
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" preserveAspectRatio="none">',
        f"<title>{escape(title)}</title>",
    ]
    for i in range(5):
        y = TOP + plot_h * i / 4
        label = top * (4 - i) / 4
        text = f"{label:,.0f}".replace(",", " ") if top >= 8 else f"{label:g}"
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{LEFT - 4}" y="{y + 4:.1f}" class="axis" text-anchor="end">'
            f"{text}{unit if i == 0 else ''}</text>"
        )
    return parts


def _day_labels(days: Sequence[date], slot: float) -> list[str]:
    every = max(1, len(days) // 7)
    return [
        f'<text x="{LEFT + slot * (i + 0.5):.1f}" y="{HEIGHT - 6}" class="axis" '
        f'text-anchor="middle">{d.strftime("%d.%m")}</text>'
        for i, d in enumerate(days)
        if (len(days) - 1 - i) % every == 0
    ]


def _stacked_bar(
    i: int, slot: float, top: float, day: date, segments: Sequence[tuple[str, int]]
) -> list[str]:
    """Day ``i``'s bar: one rectangle per non-empty segment, stacked from the axis up."""
    plot_h = HEIGHT - TOP - BOTTOM
    y: float = TOP + plot_h
    rects = []
    for series, count in segments:
        if not count:
            continue
        h = plot_h * count / top
        y -= h
        rects.append(
            f'<rect x="{LEFT + slot * i + slot * 0.15:.1f}" y="{y:.1f}" '
            f'width="{slot * 0.7:.1f}" height="{h:.1f}" fill="{COLOURS[series]}">'
            f"<title>{day.isoformat()}: {count} {series}</title></rect>"
        )
    return rects


def syncs_chart(days: Sequence[DayActivity]) -> Markup:
    """Stacked bars: webhooks per day by outcome group."""
    top = max(4.0, _nice_max(max((d.total for d in days), default=0)))  # whole webhooks
    plot_w = WIDTH - LEFT - RIGHT
    slot = plot_w / max(len(days), 1)
    parts = _frame("Webhooks per day by outcome", top, "")
    for i, d in enumerate(days):
        segments = [(group, getattr(d, group)) for group in OUTCOME_GROUPS]
        parts += _stacked_bar(i, slot, top, d.day, segments)
    parts += _day_labels([d.day for d in days], slot)
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped or numeric


def timing_chart(days: Sequence[DayActivity]) -> Markup:
    """Two lines: average and 95th-percentile webhook processing time per day (ms)."""
    top = _nice_max(max((d.p95_ms or d.avg_ms or 0.0 for d in days), default=0.0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(days), 1)
    parts = _frame("Webhook processing time per day (ms)", top, " мс")
    for series in ("avg", "p95"):
        points = [
            (LEFT + slot * (i + 0.5), TOP + plot_h * (1 - value / top), d, value)
            for i, d in enumerate(days)
            if (value := getattr(d, f"{series}_ms")) is not None
        ]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in points)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{COLOURS[series]}" '
                'stroke-width="2"/>'
            )
        for x, y, d, value in points:
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{COLOURS[series]}">'
                f"<title>{d.day.isoformat()}: {series} {value:.1f} мс</title></circle>"
            )
    parts += _day_labels([d.day for d in days], slot)
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped or numeric


def search_chart(days: Sequence[SearchDay], title: str = "Searches per day") -> Markup:
    """Stacked bars of searches per day (a good match, no good match) and a line of clicks."""
    top = max(4.0, _nice_max(max((d.searches for d in days), default=0)))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(days), 1)
    parts = _frame(title, top, "")
    for i, d in enumerate(days):
        segments = [("matched", d.searches - d.no_match), ("no_match", d.no_match)]
        parts += _stacked_bar(i, slot, top, d.day, segments)
    points = [
        (LEFT + slot * (i + 0.5), TOP + plot_h * (1 - min(d.clicks, top) / top), d)
        for i, d in enumerate(days)
    ]
    path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _ in points)
    parts.append(
        f'<polyline points="{path}" fill="none" stroke="{COLOURS["clicks"]}" stroke-width="2"/>'
    )
    for px, py, day in points:
        if day.clicks:
            parts.append(
                f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{COLOURS["clicks"]}">'
                f"<title>{day.day.isoformat()}: {day.clicks} clicks</title></circle>"
            )
    parts += _day_labels([d.day for d in days], slot)
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped or numeric
