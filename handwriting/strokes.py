"""Ink: one handwritten character as strokes on a pad, checked before it reaches the recogniser.

The JSON shape is `{"width": W, "height": H, "strokes": [[[x, y], …], …]}`. Points outside the pad
(a finger sliding off the edge) are clamped to it rather than refused: what the resident wrote is
kept. An empty pad, or a pad with no usable point, is an `InkError` with a kind message key.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

MAX_STROKES = 64  # no Chinese character needs more; a runaway input loop does
MAX_POINTS = 4096  # per stroke, ditto


class InkError(ValueError):
    """Ink that cannot be recognised; `key` names the user message (handwriting.<key>)."""

    def __init__(self, key: str, detail: str = "") -> None:
        super().__init__(detail or key)
        self.key = key


@dataclass(frozen=True)
class Ink:
    width: int
    height: int
    strokes: tuple[tuple[tuple[int, int], ...], ...]


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InkError("bad_file", f"not a finite number: {value!r}")
    return float(value)


def _clamp(value: float, upper: int) -> int:
    return round(min(max(value, 0.0), float(upper - 1)))


def make_ink(width: float, height: float, strokes: Any) -> Ink:
    """Validate and clamp raw strokes; raises InkError("empty") when nothing was written."""
    w, h = int(_number(width)), int(_number(height))
    if w < 8 or h < 8 or w > 10000 or h > 10000:
        raise InkError("bad_file", f"pad size {w}x{h} out of range")
    if not isinstance(strokes, list | tuple):
        raise InkError("bad_file", "strokes must be a list")
    if len(strokes) > MAX_STROKES:
        raise InkError("too_many")
    kept: list[tuple[tuple[int, int], ...]] = []
    for stroke in strokes:
        if not isinstance(stroke, list | tuple):
            raise InkError("bad_file", "a stroke must be a list of points")
        if len(stroke) > MAX_POINTS:
            raise InkError("too_many")
        points: list[tuple[int, int]] = []
        for point in stroke:
            if not isinstance(point, list | tuple) or len(point) < 2:
                raise InkError("bad_file", "a point must be [x, y]")
            xy = (_clamp(_number(point[0]), w), _clamp(_number(point[1]), h))
            if not points or points[-1] != xy:  # repeated samples carry no shape
                points.append(xy)
        if points:
            kept.append(tuple(points))
    if not kept:
        raise InkError("empty")
    return Ink(w, h, tuple(kept))


def parse_ink(data: Any) -> Ink:
    """An Ink from the decoded JSON document described in the module docstring."""
    if not isinstance(data, dict):
        raise InkError("bad_file", "expected a JSON object")
    try:
        return make_ink(data["width"], data["height"], data["strokes"])
    except KeyError as exc:
        raise InkError("bad_file", f"missing {exc.args[0]!r}") from exc


def normalized(ink: Ink, size: int = 1000, fill: float = 0.8) -> Ink:
    """The ink centred on a `size` square with its longer side filling `fill` of it.

    Zinnia compares absolute positions, so a character written small in a corner of the pad reads
    as a different one. Residents write at any size and place; the shape is what counts. The aspect
    ratio is kept (一 stays flat), and a dot-sized ink is not blown up past the fill.
    """
    xs = [x for stroke in ink.strokes for x, _ in stroke]
    ys = [y for stroke in ink.strokes for _, y in stroke]
    left, top = min(xs), min(ys)
    span = max(max(xs) - left, max(ys) - top, 1)
    scale = fill * size / span
    ox = (size - (max(xs) - left) * scale) / 2
    oy = (size - (max(ys) - top) * scale) / 2
    strokes = tuple(
        tuple((round(ox + (x - left) * scale), round(oy + (y - top) * scale)) for x, y in stroke)
        for stroke in ink.strokes
    )
    return Ink(size, size, strokes)
