"""The standard stroke order of a handwritten character, guessed from the strokes' shapes.

Zinnia compares the n-th stroke written with the n-th stroke of each model character, so 十 written
vertical-first reads as 卜. Many residents never learned the school order. `standard_order` puts
the strokes back in the order the rules of 笔顺 give, from geometry alone:

- a horizontal stroke comes before a vertical or falling stroke that crosses it (十 王 井 中 木);
- otherwise top before bottom and left before right (三 川 人 口); strokes that start at about the
  same height go left to right, and two that start at the same point go by where they end (口's
  丨 before its 𠃌, 木's 丿 before its 乀).

The crossing rule only ever orders a horizontal before a vertical, so the rules never form a cycle:
the order is a topological sort of the crossing rule, taking at each step the highest (then
leftmost) stroke that is free to go. It is a guess; the recogniser (handwriting/recognizer.py) reads
both the strokes as drawn and in this order, and keeps the better reading of each character.
"""

from __future__ import annotations

import math
from itertools import pairwise

from handwriting.strokes import Ink

Point = tuple[float, float]
Stroke = tuple[tuple[int, int], ...]

SAME_HEIGHT = 0.08  # of the ink's height: strokes starting within this band count as one row
SAME_POINT = 0.05  # of the ink's larger side: two strokes starting this close start together
INTERIOR = 0.08  # a crossing this close to a stroke's end is a touch (田's middle 丨 on its top)


def kind(stroke: Stroke) -> str:
    """ "h" (horizontal), "v" (vertical, or falling 丿/乀) or "dot", by the stroke's first piece.

    The first piece decides: 𠃌 starts horizontal and 𠃊 starts vertical, whatever follows.
    """
    start = stroke[0]
    length = 0.0
    for end in stroke[1:]:
        length = math.dist(start, end)
        if length >= 0.25 * _extent(stroke) and length > 0:
            break
    else:
        end = stroke[-1]
    dx, dy = abs(end[0] - start[0]), abs(end[1] - start[1])
    if dx == 0 and dy == 0:
        return "dot"
    return "h" if dx > 1.5 * dy else "v"


def _extent(stroke: Stroke) -> float:
    xs = [x for x, _ in stroke]
    ys = [y for _, y in stroke]
    return max(max(xs) - min(xs), max(ys) - min(ys), 1)


def _crossing(p: Point, p2: Point, q: Point, q2: Point) -> tuple[float, float] | None:
    """Where segments p→p2 and q→q2 cross, as fractions along each (None when they do not)."""
    rx, ry = p2[0] - p[0], p2[1] - p[1]
    sx, sy = q2[0] - q[0], q2[1] - q[1]
    denominator = rx * sy - ry * sx
    if denominator == 0:
        return None
    qpx, qpy = q[0] - p[0], q[1] - p[1]
    t = (qpx * sy - qpy * sx) / denominator
    u = (qpx * ry - qpy * rx) / denominator
    if 0 <= t <= 1 and 0 <= u <= 1:
        return t, u
    return None


def _positions(stroke: Stroke) -> list[tuple[Point, Point, float, float]]:
    """Each piece of the stroke with where it starts and ends along the stroke (0–1 of its length)."""
    lengths = [math.dist(a, b) for a, b in pairwise(stroke)]
    total = sum(lengths) or 1.0
    out = []
    walked = 0.0
    for (a, b), length in zip(pairwise(stroke), lengths, strict=True):
        out.append(((float(a[0]), float(a[1])), (float(b[0]), float(b[1])), walked / total, length / total))
        walked += length
    return out


def crosses(a: Stroke, b: Stroke) -> bool:
    """The two strokes cross inside both (not merely touching at an end, as 田's middle 丨 does)."""
    for p, p2, a_at, a_len in _positions(a):
        for q, q2, b_at, b_len in _positions(b):
            hit = _crossing(p, p2, q, q2)
            if hit is None:
                continue
            along_a = a_at + hit[0] * a_len
            along_b = b_at + hit[1] * b_len
            if INTERIOR < along_a < 1 - INTERIOR and INTERIOR < along_b < 1 - INTERIOR:
                return True
    return False


def standard_order(ink: Ink) -> tuple[int, ...]:
    """Stroke indexes of `ink` in the guessed standard order (see the module docstring)."""
    strokes = ink.strokes
    count = len(strokes)
    if count < 2:
        return tuple(range(count))
    xs = [x for stroke in strokes for x, _ in stroke]
    ys = [y for stroke in strokes for _, y in stroke]
    height = max(max(ys) - min(ys), 1)
    size = max(max(xs) - min(xs), height)
    kinds = [kind(stroke) for stroke in strokes]
    before: list[set[int]] = [set() for _ in range(count)]  # before[j]: strokes that must precede j
    for i in range(count):
        for j in range(count):
            if i != j and kinds[i] == "h" and kinds[j] == "v" and crosses(strokes[i], strokes[j]):
                before[j].add(i)
    placed: list[int] = []
    left = set(range(count))
    while left:
        free = [i for i in left if not before[i] & left]
        top = min(strokes[i][0][1] for i in free)
        row = [i for i in free if strokes[i][0][1] - top <= SAME_HEIGHT * height]
        leftmost = min(strokes[i][0][0] for i in row)
        together = [i for i in row if strokes[i][0][0] - leftmost <= SAME_POINT * size]
        # Same starting point: the one ending further left first (口's 丨 before 𠃌); then as drawn.
        chosen = min(together, key=lambda i: (strokes[i][-1][0], i))
        placed.append(chosen)
        left.remove(chosen)
    return tuple(placed)


def reordered(ink: Ink, order: tuple[int, ...]) -> Ink:
    return Ink(ink.width, ink.height, tuple(ink.strokes[i] for i in order))
