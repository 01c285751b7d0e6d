"""Server-side SVG line charts (pure Python: no JavaScript library, no CDN).

A chart is a series of dated values with optional reference lines (platelet thresholds, the
creatinine baseline and its +30 % line), a shaded reference band (TSH range) and course
markers. Every mark carries a text label, so nothing is told by colour alone, and the SVG has a
title and description for screen readers; the page shows the same numbers in a table.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

from markupsafe import Markup

__all__ = ["Band", "Line", "Marker", "Point", "line_chart", "nice_ticks"]


@dataclass(frozen=True, slots=True)
class Point:
    on: date
    value: float
    label: str  # shown as the point's tooltip, e.g. "2026-11-10: 62 10*9/L"


@dataclass(frozen=True, slots=True)
class Line:
    """A horizontal reference line."""

    value: float
    label: str
    kind: str = "limit"  # limit | alarm | baseline: picks the dash pattern and colour


@dataclass(frozen=True, slots=True)
class Band:
    """A shaded horizontal band (e.g. a reference range)."""

    low: float
    high: float
    label: str


@dataclass(frozen=True, slots=True)
class Marker:
    """A vertical marker on a date (e.g. the first day of a course)."""

    on: date
    label: str


# Geometry of the drawing, in SVG user units (the SVG scales to its container).
_W, _H = 640, 190
_LEFT, _RIGHT, _TOP, _BOTTOM = 48, 132, 14, 28


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high] (1, 2, 2.5 or 5 times a power of ten)."""
    if high <= low:
        high = low + 1.0
    raw = (high - low) / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    ticks = [round(math.floor(low / step) * step, 10)]
    while ticks[-1] < high - step * 1e-9 and len(ticks) < 16:  # the last tick covers high
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def _fmt(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"


def _month_ticks(first: date, last: date) -> list[date]:
    """First-of-month ticks, thinned to at most eight labels."""
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    every = max(1, math.ceil(months / 8))
    for candidate in (1, 2, 3, 4, 6, 12, 24):
        if candidate >= every:
            every = candidate
            break
    ticks: list[date] = []
    year, month = first.year, first.month
    while date(year, month, 1) <= last:
        if date(year, month, 1) >= first and (year * 12 + month - 1) % every == 0:
            ticks.append(date(year, month, 1))
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return ticks


def line_chart(
    points: Sequence[Point],
    *,
    title: str,
    unit: str,
    lines: Sequence[Line] = (),
    band: Band | None = None,
    markers: Sequence[Marker] = (),
    floor_zero: bool = True,
) -> Markup:
    """An accessible SVG line chart of ``points`` (sorted by date here)."""
    pts = sorted(points, key=lambda p: p.on)
    desc = f"{title} ({unit}): " + (
        "; ".join(p.label for p in pts[-6:]) if pts else "no results recorded"
    )
    head = (
        f'<svg class="chart" viewBox="0 0 {_W} {_H}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>"
    )
    if not pts:
        return Markup(
            head
            + f'<text x="{_W / 2}" y="{_H / 2}" class="empty" text-anchor="middle">'
            f"No {escape(title.lower())} results recorded</text></svg>"
        )

    values = [p.value for p in pts]
    refs = [ln.value for ln in lines] + ([band.low, band.high] if band else [])
    low = min([*values, *refs])
    high = max([*values, *refs])
    if floor_zero:
        low = min(low, 0.0)
    pad = (high - low) * 0.08 or 1.0
    ticks = nice_ticks(low if floor_zero else low - pad, high + pad)
    y_min, y_max = ticks[0], ticks[-1]

    first, last = pts[0].on, pts[-1].on
    if markers:
        first = min(first, *(m.on for m in markers if m.on <= last))
    span = max((last - first).days, 1)
    plot_w = _W - _LEFT - _RIGHT
    plot_h = _H - _TOP - _BOTTOM

    def x(d: date) -> float:
        return _LEFT + (d - first).days / span * plot_w

    def y(v: float) -> float:
        return _TOP + (y_max - v) / (y_max - y_min) * plot_h

    out = [head]
    out.append(
        f'<rect class="plot" x="{_LEFT}" y="{_TOP}" width="{plot_w}" height="{plot_h}"/>'
    )
    if band:
        top, bottom = y(min(band.high, y_max)), y(max(band.low, y_min))
        out.append(
            f'<rect class="band" x="{_LEFT}" y="{top:.1f}" width="{plot_w}" '
            f'height="{max(bottom - top, 0):.1f}"><title>{escape(band.label)}</title></rect>'
        )
        out.append(
            f'<text class="ref-label band-label" x="{_W - _RIGHT + 6}" '
            f'y="{(top + bottom) / 2 + 4:.1f}">'
            f"{escape(band.label)}</text>"
        )
    for t in ticks:
        out.append(
            f'<line class="grid" x1="{_LEFT}" x2="{_W - _RIGHT}" y1="{y(t):.1f}" y2="{y(t):.1f}"/>'
            f'<text class="tick" x="{_LEFT - 6}" y="{y(t) + 4:.1f}" text-anchor="end">'
            f"{_fmt(t)}</text>"
        )
    for d in _month_ticks(first, last):
        out.append(
            f'<line class="xtick" x1="{x(d):.1f}" x2="{x(d):.1f}" y1="{_H - _BOTTOM}" '
            f'y2="{_H - _BOTTOM + 4}"/>'
            f'<text class="tick" x="{x(d):.1f}" y="{_H - _BOTTOM + 16}" text-anchor="middle">'
            f"{d:%b %Y}</text>"
        )
    for m in markers:
        if first <= m.on <= last:
            out.append(
                f'<line class="marker" x1="{x(m.on):.1f}" x2="{x(m.on):.1f}" y1="{_TOP}" '
                f'y2="{_H - _BOTTOM}"><title>{escape(m.label)}</title></line>'
                f'<text class="marker-label" x="{x(m.on) + 3:.1f}" y="{_TOP + 10}">'
                f"{escape(m.label)}</text>"
            )
    # Reference-line labels sit in the right margin; nudge them apart when values are close.
    placed: list[float] = []
    for ln in sorted(lines, key=lambda ln: -ln.value):
        ly = y(ln.value)
        label_y = ly + 4
        while any(abs(label_y - p) < 12 for p in placed):
            label_y += 12
        placed.append(label_y)
        out.append(
            f'<line class="ref {ln.kind}" x1="{_LEFT}" x2="{_W - _RIGHT}" y1="{ly:.1f}" '
            f'y2="{ly:.1f}"><title>{escape(ln.label)}</title></line>'
            f'<text class="ref-label {ln.kind}" x="{_W - _RIGHT + 6}" y="{label_y:.1f}">'
            f"{escape(ln.label)}</text>"
        )
    path = " ".join(
        f"{'M' if i == 0 else 'L'}{x(p.on):.1f},{y(p.value):.1f}" for i, p in enumerate(pts)
    )
    out.append(f'<path class="series" d="{path}"/>')
    for p in pts:
        out.append(
            f'<circle class="pt" cx="{x(p.on):.1f}" cy="{y(p.value):.1f}" r="3">'
            f"<title>{escape(p.label)}</title></circle>"
        )
    latest = pts[-1]
    out.append(
        f'<text class="latest" x="{x(latest.on) - 4:.1f}" y="{y(latest.value) - 7:.1f}" '
        f'text-anchor="end">{escape(_fmt(latest.value))}</text>'
    )
    out.append(
        f'<text class="unit" x="{_LEFT - 6}" y="{_TOP - 3}" text-anchor="end">{escape(unit)}</text>'
    )
    out.append("</svg>")
    return Markup("".join(out))
