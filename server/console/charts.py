"""Inline SVG charts (no script, no CDN): stacked weekly bars, horizontal bars, a rate heatmap.

Every label goes through markupsafe.escape; the markup is returned as Markup for the templates.
Colours are a colour-blind-safe palette (Okabe–Ito) so series stay apart on any office screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from markupsafe import Markup, escape

PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
FONT = 'font-family="Noto Sans CJK SC, sans-serif"'


def _open(width: int | float, height: int | float, size: int, text: str) -> str:
    """The <svg> start tag with the chart's text alternative: every number it shows, as words."""
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(text)}" {FONT} '
        f'font-size="{size}">'
    )


def color(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def stacked_bars(labels: Sequence[str], series: dict[str, list[int]], *, height: int = 220) -> Markup:
    width, left, bottom, top = 640, 40, 28, 10
    n = max(1, len(labels))
    totals = [sum(values[i] for values in series.values()) for i in range(len(labels))]
    peak = max([*totals, 1])
    step = (width - left - 10) / n
    bar = step * 0.62
    text = "; ".join(
        f"{label}: " + ", ".join(f"{n} {v[i]}" for n, v in series.items() if v[i]) + f" (= {totals[i]})"
        for i, label in enumerate(labels)
    )
    parts = [_open(width, height, 12, text)]
    plot_h = height - bottom - top
    for frac in (0, 0.5, 1):
        y = top + plot_h * (1 - frac)
        parts.append(f'<line x1="{left}" x2="{width - 5}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#555">{round(peak * frac)}</text>'
        )
    for i, label in enumerate(labels):
        x = left + i * step + (step - bar) / 2
        y = top + plot_h
        for j, (name, values) in enumerate(series.items()):
            h = plot_h * values[i] / peak
            if h > 0:
                y -= h
                parts.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{color(j)}">'
                    f"<title>{escape(name)} {escape(label)}: {values[i]}</title></rect>"
                )
        parts.append(
            f'<text x="{x + bar / 2:.1f}" y="{height - 10}" text-anchor="middle" fill="#333">'
            f"{escape(label)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def legend(names: Sequence[str]) -> Markup:
    items = "".join(
        f'<span class="legend-item"><svg width="12" height="12">'
        f'<rect width="12" height="12" fill="{color(i)}"/></svg>'
        f"{escape(name)}</span>"
        for i, name in enumerate(names)
    )
    return Markup(f'<div class="legend">{items}</div>')


def hbars(items: Sequence[tuple[str, float]], *, unit: str = "", digits: int = 0) -> Markup:
    if not items:
        return Markup("")
    row_h, label_w, width = 24, 150, 640
    peak = max(v for _, v in items) or 1
    height = row_h * len(items) + 6
    parts = [
        _open(width, height, 13, "; ".join(f"{label}: {value:.{digits}f}{unit}" for label, value in items))
    ]
    for i, (label, value) in enumerate(items):
        y = i * row_h + 3
        w = (width - label_w - 70) * value / peak
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end" fill="#222">{escape(label)}</text>'
        )
        parts.append(
            f'<rect x="{label_w}" y="{y + 2}" width="{max(w, 1):.1f}" height="{row_h - 8}" '
            f'fill="{color(0)}"/>'
        )
        parts.append(
            f'<text x="{label_w + w + 6:.1f}" y="{y + 15}" fill="#222">'
            f"{value:.{digits}f}{escape(unit)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def heatmap(rows: dict[str, dict[date, float]], days: Sequence[date]) -> Markup:
    """One row per station, one cell per day, darker green = more residents checked in."""
    if not rows:
        return Markup("")
    cell, label_w = 34, 150
    width, height = label_w + cell * len(days) + 10, 26 * len(rows) + 30
    text = "; ".join(
        f"{name}: " + ", ".join(f"{d:%m-%d} {values.get(d, 0.0):.0%}" for d in days)
        for name, values in sorted(rows.items())
    )
    parts = [_open(width, height, 11, text)]
    for j, day in enumerate(days):
        parts.append(
            f'<text x="{label_w + j * cell + cell / 2}" y="12" text-anchor="middle" fill="#555">'
            f"{day:%d}</text>"
        )
    for i, (name, values) in enumerate(sorted(rows.items())):
        y = 18 + i * 26
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end" font-size="13">{escape(name)}</text>'
        )
        for j, day in enumerate(days):
            rate = values.get(day, 0.0)
            shade = f"rgb({int(230 - 200 * rate)},{int(240 - 90 * rate)},{int(230 - 170 * rate)})"
            ink = "#fff" if rate > 0.6 else "#222"
            x = label_w + j * cell
            parts.append(
                f'<rect x="{x}" y="{y}" width="{cell - 2}" height="22" fill="{shade}">'
                f"<title>{escape(name)} {day}: "
                f'{rate:.0%}</title></rect><text x="{x + cell / 2 - 1}" y="{y + 15}" text-anchor="middle" '
                f'fill="{ink}">{round(rate * 100)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))
