"""One application event filter for the kiosk's input watchers (the tap guard, the idle timer).

An application event filter written in Python is called for every event Qt delivers to any object —
paints, layouts, polishes, timers: about a thousand for one screen change — and each call costs a
trip into Python. Two such filters cost a service's screen change ≈ 14 ms of CPU (bench/ui.py, issue
17). Here there is one filter; it passes input events only (a C++ check first, no Python enum made
for the others) to the watchers, the last added first (as Qt orders its own filters), until one of
them eats the event.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

import shiboken6
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication


class InputListener(Protocol):
    def input_event(self, watched: QObject, event: QEvent, kind: QEvent.Type) -> bool:
        """True to eat the event (no widget gets it)."""
        ...


class InputWatch(QObject):
    """Installed once on the QApplication (a child of it); watchers hold no reference from it."""

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self._listeners: list[weakref.ReferenceType[QObject]] = []
        if not _HELD:
            app.installEventFilter(self)

    def add(self, listener: QObject) -> None:
        self._listeners.append(weakref.ref(listener))

    def discard(self, listener: QObject) -> None:
        self._listeners = [ref for ref in self._listeners if ref() not in (None, listener)]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not event.isInputEvent():
            return False
        kind = event.type()
        for ref in reversed(list(self._listeners)):
            listener = ref()
            if listener is None or not shiboken6.isValid(listener):
                self._listeners.remove(ref)
            elif listener.input_event(watched, event, kind):  # type: ignore[attr-defined]
                return True
        return False


_WATCH: InputWatch | None = None
_HELD = False


@contextmanager
def held() -> Iterator[None]:
    """Install the filter only when the block ends. The first events a Python application filter
    sees make PySide create the Python types (and their ≈ 190 enums) of every class in QtCore and
    QtWidgets — ≈ 90 ms of CPU; the kiosk builds and paints its locked screen inside this block, when
    no input can arrive yet (no event loop has run), and pays that after its first paint."""
    global _HELD
    _HELD = True
    try:
        yield
    finally:
        _HELD = False
        if _WATCH is not None and shiboken6.isValid(_WATCH):
            app = _WATCH.parent()
            if isinstance(app, QApplication):
                app.installEventFilter(_WATCH)


def watch(listener: QObject) -> None:
    """Send `listener.input_event(watched, event, kind)` every input event of the application."""
    global _WATCH
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    if _WATCH is None or not shiboken6.isValid(_WATCH) or _WATCH.parent() is not app:
        _WATCH = InputWatch(app)
    _WATCH.add(listener)


def unwatch(listener: QObject) -> None:
    if _WATCH is not None and shiboken6.isValid(_WATCH):
        _WATCH.discard(listener)
