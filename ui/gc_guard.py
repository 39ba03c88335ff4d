"""Garbage collection on the UI thread only.

Python's cyclic collector runs in whichever thread happens to allocate when a threshold is crossed —
here often the DB worker or the sync thread. If that pass finalises a Qt object owned by the UI
thread, Qt crashes (seen as a segfault "Garbage-collecting" inside a worker). So while a kiosk
window lives, automatic collection is off and a UI-thread timer collects instead, by generation,
as often as Python itself would. Several windows (tests) share one switch through a count.
"""

from __future__ import annotations

import gc
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 250
_holders = 0
_enabled_before = True


def _acquire() -> Callable[..., None]:
    """Turn automatic collection off for one more holder; returns its one-shot release."""
    global _holders, _enabled_before
    if _holders == 0:
        _enabled_before = gc.isenabled()
        gc.disable()
    _holders += 1
    released = False

    def release(*_args: object) -> None:
        global _holders
        nonlocal released
        if released:
            return
        released = True
        _holders -= 1
        if _holders == 0 and _enabled_before:
            gc.enable()

    return release


class UiThreadGarbageCollector(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._release = _acquire()
        # A window deleted without shutdown() must not leave collection off for good.
        self.destroyed.connect(self._release)
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self.collect_due)
        self._timer.start()

    def collect_due(self) -> None:
        thresholds = gc.get_threshold()
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > thresholds[generation]:
                gc.collect(generation)
                return

    def stop(self) -> None:
        """A last full pass here, on the UI thread, then this window no longer holds the switch."""
        self._timer.stop()
        gc.collect()
        self._release()
