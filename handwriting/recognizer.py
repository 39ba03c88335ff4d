"""Zinnia through ctypes (no maintained Python binding exists on PyPI; Debian ships only the C
library `libzinnia0` and the Tegaki Simplified Chinese model).

One `Recognizer` holds the opened model (≈ 26 MB, opened once); `classify` is guarded by a lock
because a Zinnia recognizer is not documented as thread-safe and the UI calls it off its thread.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from handwriting.order import reordered, standard_order
from handwriting.strokes import Ink, normalized

MODEL_ENV = "YIZHAN_ZINNIA_MODEL"
MODEL_PATHS = (
    Path("/usr/share/tegaki/models/zinnia/handwriting-zh_CN.model"),
    Path("/usr/share/zinnia/model/tomoe/handwriting-zh_CN.model"),
    Path("/usr/local/share/tegaki/models/zinnia/handwriting-zh_CN.model"),
)
LIBRARY_NAMES = ("libzinnia.so.0", "libzinnia.so", "libzinnia.dylib", "zinnia.dll")


# What a resident means when Zinnia answers with a component that never stands alone in text: the
# enclosure 囗 is how the model reads a full-size 口; bare radicals are dropped from the buttons.
FOLD = {"囗": "口"}
NOT_TEXT = frozenset("丨丿丶乀乁亅亻氵扌忄彳廴冖宀冫讠纟钅饣阝刂卩亠")


class HandwritingUnavailable(RuntimeError):
    """Zinnia or its model is missing; the pad hides itself and says why."""


@dataclass(frozen=True)
class Candidate:
    char: str
    score: float

    def as_json(self) -> dict[str, object]:
        return {"char": self.char, "score": round(self.score, 4)}


def find_model() -> Path:
    override = os.environ.get(MODEL_ENV)
    for path in ((Path(override),) if override else ()) + MODEL_PATHS:
        if path.is_file():
            return path
    raise HandwritingUnavailable(
        "no Zinnia Simplified Chinese model (Debian: tegaki-zinnia-simplified-chinese)"
    )


def _load_library() -> ctypes.CDLL:
    names = list(LIBRARY_NAMES)
    found = ctypes.util.find_library("zinnia")
    if found:
        names.insert(0, found)
    for name in names:
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            continue
        _declare(lib)
        return lib
    raise HandwritingUnavailable("no Zinnia library (Debian: libzinnia0)")


def _declare(lib: ctypes.CDLL) -> None:
    p, i, s, f = ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_float
    size = ctypes.c_size_t
    signatures: dict[str, tuple[object, list[object]]] = {
        "zinnia_recognizer_new": (p, []),
        "zinnia_recognizer_destroy": (None, [p]),
        "zinnia_recognizer_open": (i, [p, s]),
        "zinnia_recognizer_strerror": (s, [p]),
        "zinnia_recognizer_classify": (p, [p, p, size]),
        "zinnia_character_new": (p, []),
        "zinnia_character_destroy": (None, [p]),
        "zinnia_character_set_width": (None, [p, size]),
        "zinnia_character_set_height": (None, [p, size]),
        "zinnia_character_add": (i, [p, size, i, i]),
        "zinnia_result_value": (s, [p, size]),
        "zinnia_result_score": (f, [p, size]),
        "zinnia_result_size": (size, [p]),
        "zinnia_result_destroy": (None, [p]),
    }
    for name, (restype, argtypes) in signatures.items():
        func = getattr(lib, name)
        func.restype = restype
        func.argtypes = argtypes


class Recognizer:
    """An opened Zinnia model. Create once (`default_recognizer()`), reuse for every character."""

    def __init__(self, model: Path | None = None) -> None:
        self._lib = _load_library()
        self.model = model or find_model()
        self._lock = threading.Lock()
        self._handle = self._lib.zinnia_recognizer_new()
        if not self._lib.zinnia_recognizer_open(self._handle, str(self.model).encode()):
            error = self._lib.zinnia_recognizer_strerror(self._handle) or b""
            self._lib.zinnia_recognizer_destroy(self._handle)
            self._handle = None
            raise HandwritingUnavailable(f"cannot open {self.model}: {error.decode(errors='replace')}")

    def classify(self, ink: Ink, limit: int = 10, *, reorder: bool = True) -> list[Candidate]:
        """Best candidates first (at most `limit`); an empty list when Zinnia finds nothing.

        The ink is first centred and scaled (`normalized`): Zinnia compares absolute positions.
        Zinnia also compares strokes in the order written, so unless `reorder` is False the strokes
        are read a second time in the guessed standard order (handwriting/order.py) and the two
        readings merged (`interleave`). A candidate's score is Zinnia's, from the reading that
        placed it; after a merge the list is in rank order, not score order.
        """
        ink = normalized(ink)
        wanted = max(1, limit) + 5  # a few extra: folding and dropping radicals may remove some
        readings = self.raw(ink, wanted)
        order = standard_order(ink)
        if reorder and order != tuple(range(len(order))):
            readings = interleave(self.raw(reordered(ink, order), wanted), readings)
        return text_candidates(readings)[:limit]

    def raw(self, ink: Ink, count: int) -> list[Candidate]:
        """Zinnia's own answer for the ink as given (no normalising, folding or reordering)."""
        lib = self._lib
        with self._lock:
            if not self._handle:
                raise HandwritingUnavailable("recognizer closed")
            character = lib.zinnia_character_new()
            try:
                lib.zinnia_character_set_width(character, ink.width)
                lib.zinnia_character_set_height(character, ink.height)
                for index, stroke in enumerate(ink.strokes):
                    for x, y in stroke:
                        lib.zinnia_character_add(character, index, x, y)
                result = lib.zinnia_recognizer_classify(self._handle, character, count)
                if not result:
                    return []
                try:
                    return [
                        Candidate(
                            (lib.zinnia_result_value(result, n) or b"").decode("utf-8", "replace"),
                            float(lib.zinnia_result_score(result, n)),
                        )
                        for n in range(lib.zinnia_result_size(result))
                    ]
                finally:
                    lib.zinnia_result_destroy(result)
            finally:
                lib.zinnia_character_destroy(character)

    def close(self) -> None:
        with self._lock:
            if self._handle:
                self._lib.zinnia_recognizer_destroy(self._handle)
                self._handle = None

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # interpreter shutdown: the library may already be gone
            self.close()


def interleave(standard: list[Candidate], drawn: list[Candidate]) -> list[Candidate]:
    """The two readings taken in turn, the standard-order one first, each character once.

    Chosen over merging by score (with a bonus or handicap for either reading) on the tuning half
    of the stroke-order tests: as good as always trusting the standard order for the first
    candidate, and when the order guess is wrong on a character written in the standard order, the
    drawn reading's best is still the second button (tests/handwriting/test_stroke_order.py).
    """
    out: list[Candidate] = []
    seen: set[str] = set()
    for n in range(max(len(standard), len(drawn))):
        for reading in (standard, drawn):
            if n < len(reading) and reading[n].char not in seen:
                seen.add(reading[n].char)
                out.append(reading[n])
    return out


def text_candidates(raw: list[Candidate]) -> list[Candidate]:
    """Zinnia's answers as characters a resident would write in text, best first, no repeats."""
    seen: set[str] = set()
    out: list[Candidate] = []
    for candidate in raw:
        char = FOLD.get(candidate.char, candidate.char)
        if not char or char in NOT_TEXT or char in seen:
            continue
        seen.add(char)
        out.append(Candidate(char, candidate.score))
    return out


_default: Recognizer | None = None
_default_lock = threading.Lock()


def default_recognizer() -> Recognizer:
    """The process-wide recogniser, opened on first use (raises HandwritingUnavailable)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Recognizer()
        return _default


def recognize(ink: Ink, limit: int = 10) -> list[Candidate]:
    return default_recognizer().classify(ink, limit)
