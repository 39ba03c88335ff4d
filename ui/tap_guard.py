"""Taps that mean what the resident saw: a tap acts only on the screen it started on.

Elderly hands double-tap and linger. After every screen change (a new screen or a new step of a
service) presses are ignored for `guard_ms` (~400 ms), so the second tap of a double tap cannot land
on a control the resident never saw; and a press that began before a screen change never completes
as a click on the new one (its release is swallowed and the button let go).
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QAbstractButton

from ui.input_watch import unwatch, watch

GUARD_MS = 400
_PRESS = {QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick, QEvent.Type.TouchBegin}
_RELEASE = {QEvent.Type.MouseButtonRelease, QEvent.Type.TouchEnd}


class TapGuard(QObject):
    """Watches the application's input (ui/input_watch.py); `screen_changed()` is called by the
    window on every change."""

    def __init__(self, parent: QObject, guard_ms: int = GUARD_MS) -> None:
        super().__init__(parent)
        self.guard_ms = guard_ms
        self.generation = 0  # bumped on every screen change
        self._changed_at = 0.0
        self._press_generation: int | None = None
        self._swallowing = False  # the press was eaten: eat its release too
        watch(self)

    def screen_changed(self) -> None:
        self.generation += 1
        self._changed_at = time.monotonic()

    @property
    def open(self) -> bool:
        """Whether a press now would be accepted."""
        return (time.monotonic() - self._changed_at) * 1000 >= self.guard_ms

    def remove(self) -> None:
        unwatch(self)

    def input_event(self, watched: QObject, event: QEvent, kind: QEvent.Type) -> bool:
        del event
        if kind in _PRESS:
            if not self.open:
                self._swallowing = True
                return True
            self._swallowing = False
            self._press_generation = self.generation
            return False
        if kind in _RELEASE:
            if self._swallowing:
                self._swallowing = False
                return True
            stale = self._press_generation is not None and self._press_generation != self.generation
            if stale:
                # pressed on a screen that is gone: let the button go without a click
                if isinstance(watched, QAbstractButton):
                    watched.setDown(False)
                return True
        return False
