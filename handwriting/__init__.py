"""Offline handwriting recognition (Simplified Chinese) with Zinnia — no Qt.

`recognize(strokes)` turns one handwritten character (a list of strokes, each a list of points on a
pad of a given size) into ranked candidates. The UI pad and `yizhan handwriting recognize` both use
it, so the recogniser can be checked from outside the kiosk.
"""

from __future__ import annotations

from handwriting.recognizer import (
    Candidate,
    HandwritingUnavailable,
    Recognizer,
    default_recognizer,
    recognize,
)
from handwriting.strokes import Ink, InkError, parse_ink

__all__ = [
    "Candidate",
    "HandwritingUnavailable",
    "Ink",
    "InkError",
    "Recognizer",
    "default_recognizer",
    "parse_ink",
    "recognize",
]
