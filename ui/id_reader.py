"""Desk ID-card readers in keyboard mode ("keyboard wedge") type the 18-character ID number and Enter
within a fraction of a second. `IdReader` watches the application's input (ui/input_watch.py) only while a
page that takes an ID number is shown: it holds back digit/X key presses that could be the start of
such a burst, and when Enter follows 15–18 of them, every gap under `GAP_S`, it swallows them and
emits `scanned(str)`. Anything slower (a person typing) or of another shape is handed on, in order, to
the widget it was meant for, so typing by hand works exactly as before, at most `GAP_S` later."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from ui import input_watch

GAP_S = 0.05  # a reader types a character every few ms; no hand types two keys 50 ms apart, ten times over
MIN_CHARS, MAX_CHARS = 15, 18  # 15: first-generation numbers and misread cards reach the validator's message
_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
_CHARS = set("0123456789Xx")


@dataclass
class _Held:
    receiver: QObject
    key: int
    modifiers: Qt.KeyboardModifier
    text: str


class IdReader(QObject):
    """Turns a reader's burst into `scanned`; passes everything else through. `clock` (seconds,
    monotonic) is ours rather than the events' timestamps, which synthetic events leave at 0."""

    scanned = Signal(str)

    def __init__(self, parent: QObject | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(parent)
        self.clock = clock
        self._held: list[_Held] = []
        self._last = 0.0
        self._replaying = False
        self._installed = False
        # A held key is handed on once no next key arrived in time (a person typing one digit).
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(int(GAP_S * 1000) + 10)
        self._timer.timeout.connect(self.flush)

    def start(self) -> None:
        """Listen to the application's input (through ui/input_watch.py's one filter: an own
        application filter in Python was called for every paint, layout and timer event too)."""
        if not self._installed:
            input_watch.watch(self)
            self._installed = True

    def stop(self) -> None:
        if self._installed:
            input_watch.unwatch(self)
            self._installed = False
        self.flush()

    def input_event(self, watched: QObject, event: QEvent, kind: QEvent.Type) -> bool:
        if self._replaying or kind != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        now = self.clock()
        if self._held and now - self._last >= GAP_S:
            self.flush()  # too slow for a reader: those were typed by hand
        plain = not event.modifiers() & ~(
            Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier
        )
        if plain and not event.isAutoRepeat() and event.text() in _CHARS and event.text():
            self._held.append(_Held(watched, event.key(), event.modifiers(), event.text()))
            self._last = now
            self._timer.start()
            return True
        if event.key() in _ENTER and MIN_CHARS <= len(self._held) <= MAX_CHARS:
            number = "".join(h.text for h in self._held).upper()
            self._held.clear()
            self._timer.stop()
            self.scanned.emit(number)
            return True
        self.flush()  # any other key ends a burst; what was held goes first, in typing order
        return False

    def flush(self) -> None:
        """Hand the held keys on to the widgets they were meant for (press and release each)."""
        self._timer.stop()
        held, self._held = self._held, []
        self._replaying = True
        try:
            for h in held:
                if not shiboken6.isValid(h.receiver):
                    continue  # the widget went away meanwhile
                for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                    QApplication.sendEvent(h.receiver, QKeyEvent(kind, h.key, h.modifiers, h.text))
        finally:
            self._replaying = False
