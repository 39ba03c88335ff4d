"""Characters drawn by code, as a finger would: strokes in a unit square (0–1, y down) in the
standard stroke order, sampled densely, then placed on a pad at a chosen size and offset.

The expected character of each drawing is simply the character it was drawn to be — independent of
the recogniser. Variations (stroke order swapped, small and off-centre, wobbly) check robustness.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

Stroke = list[tuple[float, float]]

# Standard stroke order, unit coordinates. Curves are a few straight pieces, as a finger makes them.
GLYPHS: dict[str, list[Stroke]] = {
    "一": [[(0.1, 0.5), (0.9, 0.5)]],
    "二": [[(0.25, 0.3), (0.75, 0.3)], [(0.1, 0.72), (0.9, 0.72)]],
    "三": [[(0.2, 0.2), (0.8, 0.2)], [(0.28, 0.5), (0.72, 0.5)], [(0.1, 0.82), (0.9, 0.82)]],
    "十": [[(0.1, 0.45), (0.9, 0.45)], [(0.5, 0.1), (0.5, 0.92)]],
    "人": [[(0.5, 0.1), (0.45, 0.45), (0.3, 0.75), (0.1, 0.92)], [(0.5, 0.45), (0.7, 0.75), (0.92, 0.92)]],
    "大": [
        [(0.1, 0.38), (0.9, 0.38)],
        [(0.5, 0.08), (0.47, 0.45), (0.3, 0.75), (0.1, 0.92)],
        [(0.49, 0.4), (0.7, 0.72), (0.92, 0.92)],
    ],
    "口": [
        [(0.2, 0.2), (0.2, 0.82)],
        [(0.2, 0.2), (0.8, 0.2), (0.8, 0.82)],
        [(0.2, 0.8), (0.8, 0.8)],
    ],
    "工": [[(0.2, 0.18), (0.8, 0.18)], [(0.5, 0.18), (0.5, 0.82)], [(0.1, 0.84), (0.9, 0.84)]],
    "土": [[(0.22, 0.42), (0.78, 0.42)], [(0.5, 0.12), (0.5, 0.84)], [(0.08, 0.86), (0.92, 0.86)]],
    "王": [
        [(0.18, 0.15), (0.82, 0.15)],
        [(0.24, 0.5), (0.76, 0.5)],
        [(0.5, 0.15), (0.5, 0.86)],
        [(0.1, 0.87), (0.9, 0.87)],
    ],
    "上": [[(0.45, 0.1), (0.45, 0.86)], [(0.45, 0.48), (0.8, 0.48)], [(0.1, 0.88), (0.9, 0.88)]],
    "下": [[(0.1, 0.15), (0.9, 0.15)], [(0.45, 0.15), (0.45, 0.92)], [(0.5, 0.42), (0.72, 0.6)]],
    "日": [
        [(0.25, 0.1), (0.25, 0.9)],
        [(0.25, 0.1), (0.75, 0.1), (0.75, 0.9)],
        [(0.25, 0.5), (0.75, 0.5)],
        [(0.25, 0.88), (0.75, 0.88)],
    ],
    "中": [
        [(0.18, 0.3), (0.18, 0.68)],
        [(0.18, 0.3), (0.82, 0.3), (0.82, 0.68)],
        [(0.18, 0.66), (0.82, 0.66)],
        [(0.5, 0.06), (0.5, 0.95)],
    ],
    "山": [
        [(0.5, 0.1), (0.5, 0.85)],
        [(0.15, 0.35), (0.15, 0.85), (0.85, 0.85)],
        [(0.85, 0.35), (0.85, 0.88)],
    ],
    "田": [
        [(0.15, 0.15), (0.15, 0.85)],
        [(0.15, 0.15), (0.85, 0.15), (0.85, 0.85)],
        [(0.15, 0.5), (0.85, 0.5)],
        [(0.5, 0.15), (0.5, 0.85)],
        [(0.15, 0.84), (0.85, 0.84)],
    ],
}

# More characters for the stroke-order study (tests/handwriting/test_stroke_order.py): crossings,
# enclosures and piercing verticals, where a resident's own order most often differs from school's.
MORE_GLYPHS: dict[str, list[Stroke]] = {
    "木": [
        [(0.1, 0.35), (0.9, 0.35)],
        [(0.5, 0.08), (0.5, 0.95)],
        [(0.5, 0.36), (0.3, 0.65), (0.1, 0.82)],
        [(0.5, 0.36), (0.72, 0.62), (0.92, 0.8)],
    ],
    "千": [[(0.7, 0.1), (0.35, 0.25)], [(0.1, 0.45), (0.9, 0.45)], [(0.5, 0.25), (0.5, 0.95)]],
    "干": [[(0.2, 0.2), (0.8, 0.2)], [(0.1, 0.5), (0.9, 0.5)], [(0.5, 0.2), (0.5, 0.95)]],
    "丰": [
        [(0.2, 0.2), (0.8, 0.2)],
        [(0.25, 0.45), (0.75, 0.45)],
        [(0.1, 0.72), (0.9, 0.72)],
        [(0.5, 0.05), (0.5, 0.95)],
    ],
    "五": [
        [(0.2, 0.15), (0.8, 0.15)],
        [(0.42, 0.15), (0.38, 0.5)],
        [(0.2, 0.5), (0.72, 0.5), (0.68, 0.86)],
        [(0.1, 0.86), (0.9, 0.86)],
    ],
    "正": [
        [(0.15, 0.12), (0.85, 0.12)],
        [(0.5, 0.12), (0.5, 0.85)],
        [(0.25, 0.45), (0.25, 0.85)],
        [(0.5, 0.48), (0.78, 0.48)],
        [(0.08, 0.87), (0.92, 0.87)],
    ],
    "目": [
        [(0.3, 0.08), (0.3, 0.92)],
        [(0.3, 0.08), (0.7, 0.08), (0.7, 0.92)],
        [(0.3, 0.36), (0.7, 0.36)],
        [(0.3, 0.63), (0.7, 0.63)],
        [(0.3, 0.9), (0.7, 0.9)],
    ],
    "白": [
        [(0.55, 0.05), (0.45, 0.2)],
        [(0.25, 0.22), (0.25, 0.9)],
        [(0.25, 0.22), (0.75, 0.22), (0.75, 0.9)],
        [(0.25, 0.55), (0.75, 0.55)],
        [(0.25, 0.88), (0.75, 0.88)],
    ],
    "由": [
        [(0.2, 0.3), (0.2, 0.9)],
        [(0.2, 0.3), (0.8, 0.3), (0.8, 0.9)],
        [(0.2, 0.6), (0.8, 0.6)],
        [(0.5, 0.05), (0.5, 0.88)],
        [(0.2, 0.88), (0.8, 0.88)],
    ],
    "甲": [
        [(0.2, 0.1), (0.2, 0.6)],
        [(0.2, 0.1), (0.8, 0.1), (0.8, 0.6)],
        [(0.2, 0.35), (0.8, 0.35)],
        [(0.2, 0.58), (0.8, 0.58)],
        [(0.5, 0.1), (0.5, 0.95)],
    ],
    "古": [
        [(0.1, 0.3), (0.9, 0.3)],
        [(0.5, 0.05), (0.5, 0.55)],
        [(0.25, 0.55), (0.25, 0.92)],
        [(0.25, 0.55), (0.75, 0.55), (0.75, 0.92)],
        [(0.25, 0.9), (0.75, 0.9)],
    ],
    "小": [[(0.5, 0.05), (0.5, 0.85), (0.42, 0.8)], [(0.3, 0.4), (0.15, 0.7)], [(0.7, 0.4), (0.85, 0.65)]],
    "八": [[(0.4, 0.2), (0.3, 0.6), (0.1, 0.85)], [(0.6, 0.2), (0.75, 0.6), (0.92, 0.85)]],
    "士": [[(0.1, 0.35), (0.9, 0.35)], [(0.5, 0.08), (0.5, 0.84)], [(0.25, 0.85), (0.75, 0.85)]],
    "天": [
        [(0.2, 0.2), (0.8, 0.2)],
        [(0.1, 0.45), (0.9, 0.45)],
        [(0.5, 0.2), (0.45, 0.55), (0.1, 0.9)],
        [(0.5, 0.5), (0.92, 0.9)],
    ],
    "夫": [
        [(0.2, 0.3), (0.8, 0.3)],
        [(0.1, 0.5), (0.9, 0.5)],
        [(0.5, 0.05), (0.47, 0.55), (0.1, 0.92)],
        [(0.52, 0.55), (0.92, 0.92)],
    ],
    "米": [
        [(0.3, 0.1), (0.38, 0.25)],
        [(0.7, 0.1), (0.62, 0.25)],
        [(0.1, 0.4), (0.9, 0.4)],
        [(0.5, 0.05), (0.5, 0.95)],
        [(0.5, 0.42), (0.1, 0.8)],
        [(0.5, 0.42), (0.9, 0.8)],
    ],
    "开": [
        [(0.15, 0.2), (0.85, 0.2)],
        [(0.08, 0.5), (0.92, 0.5)],
        [(0.38, 0.2), (0.35, 0.7), (0.15, 0.92)],
        [(0.65, 0.2), (0.65, 0.95)],
    ],
    "井": [
        [(0.15, 0.3), (0.85, 0.3)],
        [(0.08, 0.62), (0.92, 0.62)],
        [(0.38, 0.08), (0.35, 0.7), (0.15, 0.92)],
        [(0.65, 0.08), (0.65, 0.95)],
    ],
}

# Variations: (label, character, transform). Stroke order swapped, small in a corner, wobbly.
ORDER_SWAPS: dict[str, list[int]] = {"十": [1, 0], "王": [0, 1, 3, 2], "工": [0, 2, 1], "大": [1, 0, 2]}


def sample(stroke: Stroke, step: float = 0.02) -> Stroke:
    """Points every `step` along each piece, like touch events arriving while the finger moves."""
    out: Stroke = [stroke[0]]
    for (x0, y0), (x1, y1) in itertools.pairwise(stroke):
        n = max(1, int(math.hypot(x1 - x0, y1 - y0) / step))
        out += [(x0 + (x1 - x0) * k / n, y0 + (y1 - y0) * k / n) for k in range(1, n + 1)]
    return out


def place(
    strokes: list[Stroke],
    pad: int = 400,
    scale: float = 1.0,
    dx: float = 0.0,
    dy: float = 0.0,
    wobble: float = 0.0,
    slant: float = 0.0,
) -> dict[str, Any]:
    """The ink JSON document for the strokes drawn on a `pad`-pixel pad at `scale`, shifted by dx/dy,
    turned `slant` radians about the centre (a hand that writes on a tilt)."""
    doc_strokes = []
    cos, sin = math.cos(slant), math.sin(slant)
    for index, stroke in enumerate(strokes):
        points = []
        for n, (x0, y0) in enumerate(sample(stroke)):
            x = 0.5 + (x0 - 0.5) * cos - (y0 - 0.5) * sin
            y = 0.5 + (x0 - 0.5) * sin + (y0 - 0.5) * cos
            # A deterministic tremor: no randomness, so a failure is reproducible.
            jx = wobble * math.sin(n * 1.7 + index)
            jy = wobble * math.cos(n * 1.3 + index * 2)
            points.append([round((x * scale + dx + jx) * pad, 1), round((y * scale + dy + jy) * pad, 1)])
        doc_strokes.append(points)
    return {"width": pad, "height": pad, "strokes": doc_strokes}


def cases() -> list[tuple[str, str, dict[str, Any]]]:
    """(label, expected character, ink document) for every plain drawing and every variation."""
    out: list[tuple[str, str, dict[str, Any]]] = []
    for char, strokes in GLYPHS.items():
        out.append((f"{char} plain", char, place(strokes)))
        out.append((f"{char} small corner", char, place(strokes, scale=0.4, dx=0.05, dy=0.5)))
        out.append((f"{char} large pad wobbly", char, place(strokes, pad=900, wobble=0.012)))
    for char, order in ORDER_SWAPS.items():
        strokes = GLYPHS[char]
        out.append((f"{char} stroke order {order}", char, place([strokes[i] for i in order])))
    return out


def _upright(stroke: Stroke) -> bool:
    """The stroke starts as a vertical or falling line (not a horizontal), in unit coordinates."""
    (x0, y0), (x1, y1) = stroke[0], stroke[1]
    return abs(y1 - y0) >= abs(x1 - x0) / 1.5


def wrong_orders(strokes: list[Stroke]) -> dict[str, list[int]]:
    """The orders people who never learned 笔顺 tend to use, each different from the standard one:
    verticals before horizontals, the last stroke first (中's 丨 first), the first two swapped, and
    everything backwards. Named by how they were made; duplicates dropped."""
    n = len(strokes)
    standard = list(range(n))
    if n < 2:
        return {}
    made = {
        "verticals first": sorted(standard, key=lambda i: not _upright(strokes[i])),
        "last first": [n - 1, *standard[:-1]],
        "first two swapped": [1, 0, *standard[2:]],
        "backwards": standard[::-1],
    }
    out: dict[str, list[int]] = {}
    for name, order in made.items():
        if order != standard and order not in out.values():
            out[name] = order
    return out


HANDS: dict[str, dict[str, float]] = {
    "neat": {},
    "tilted wobbly": {"slant": 0.12, "wobble": 0.01},  # ≈ 7° clockwise, a tremor
    "tilted back": {"slant": -0.1, "scale": 0.8, "dx": 0.1, "dy": 0.1},
}


def order_cases(chars: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(label, character, ink) for each character of `chars` in each hand (`HANDS`), drawn in the
    standard order ("… standard order") and in each of its wrong orders (`wrong_orders`). The tilted
    hands are where guessing the standard order from geometry could go wrong."""
    every = {**GLYPHS, **MORE_GLYPHS}
    out: list[tuple[str, str, dict[str, Any]]] = []
    for char in chars:
        strokes = every[char]
        orders = {"standard order": list(range(len(strokes))), **wrong_orders(strokes)}
        for hand, how in HANDS.items():
            for name, order in orders.items():
                ink = place([strokes[i] for i in order], **how)  # type: ignore[arg-type]
                out.append((f"{char} {hand} {name}", char, ink))
    return out
