"""While a kiosk lives, Python's cyclic garbage collector runs on the UI thread only.

Python collects cycles on whichever thread allocates past its threshold — here usually the DB
worker. The kiosk keeps Qt objects out of reference cycles (tests/ui/test_gc_cycles.py,
tests/ui/test_gc_stress.py), yet a collection pass on the DB worker still segfaulted, twice, in
full test runs (stops 20 and 21: "Garbage-collecting" inside `discard_draft`, while the step pages
of a busy window were being replaced). A wrapper freed there races the UI thread's own work on the
same Qt objects. So automatic collection is off while an AppContext lives, and a timer on the UI
thread collects instead, generation by generation, as soon as Python itself would have.

Several contexts (tests) share the switch through a count; the state from before the first one
comes back after the last one closes. Closing does not collect: what a closed kiosk leaves is
dead wrappers, and a test checks that nothing live is among them.
"""

from __future__ import annotations

import gc
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 200
# tests/ui/gc_stress.py turns this off to put the kiosk's own cycle hygiene under collections on
# every thread (the layer below this one).
ENABLED = True

_holders = 0
_enabled_before = True


def _hold() -> Callable[[], None]:
    """Automatic collection off for one more holder; returns that holder's one-time release."""
    global _holders, _enabled_before
    if _holders == 0:
        _enabled_before = gc.isenabled()
    gc.disable()  # every time: something may have switched it back on while another kiosk lived
    _holders += 1
    released = False

    def release() -> None:
        global _holders
        nonlocal released
        if released:
            return
        released = True
        _holders -= 1
        if _holders == 0 and _enabled_before:
            gc.enable()

    return release


def collect_due() -> int | None:
    """Collect the oldest generation whose count has passed its threshold, as the interpreter's
    own trigger would; returns that generation, or None when nothing is due."""
    if gc.isenabled():  # switched back on by someone else while a kiosk lives: off again
        gc.disable()
    counts, thresholds = gc.get_count(), gc.get_threshold()
    for generation in (2, 1, 0):
        if thresholds[generation] and counts[generation] > thresholds[generation]:
            gc.collect(generation)
            return generation
    return None


class UiThreadCollector(QObject):
    """Created on the UI thread by AppContext; `release()` (at close, or when destroyed) hands
    collection back to the interpreter once no other kiosk holds it."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._release: Callable[[], None] = _hold() if ENABLED else (lambda: None)
        self.destroyed.connect(self._release)  # a context deleted without close() lets go too
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(collect_due)
        if ENABLED:
            self._timer.start()

    def release(self) -> None:
        self._timer.stop()
        self._release()
