"""None and True kept alive on Python 3.11 against PySide6 6.12's missing references.

PySide6 6.12 hands Python None and True without taking a reference to them, as if they were
immortal — which they are only from Python 3.12 on (PEP 683). Measured with sys.getrefcount on
PySide6 6.12.0 and CPython 3.11.7 (tests/ui/test_immortal.py keeps measuring):

- every call that returns None drops one reference to None: void C++ methods (QLabel.setText,
  QWidget.setVisible, QObject.deleteLater, QCoreApplication.processEvents …), null pointers
  (QWidget.parent(), QApplication.focusWidget(), QObject.findChild() with no match,
  QObject.property() of an unset name), a Python slot run by a click or a QTimer.singleShot;
- every `SignalInstance.emit()` returns True and drops one reference to True.

Left alone, None's count reaches zero after a few hundred screens rendered (CPython aborts with
"none_dealloc", seen in the tour), and True's after a few thousand signals — the DB worker emits
three per task, so an idle kiosk refreshing its sync status would abort within a day ("bool_dealloc").
None, True and False are never freed anyway, so a head start of 2**60 on their counts changes
nothing else. The `ui` package applies it on import, before any of its modules calls Qt.
"""

from __future__ import annotations

import ctypes
import sys

HEAD_START = 1 << 60  # never used up: a billion lost references a second would take 36 years


def keep_singletons_alive() -> None:
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return  # immortal there (or not reference-counted)
    for singleton in (None, True, False):
        refcount = ctypes.c_ssize_t.from_address(id(singleton))
        if refcount.value < HEAD_START:  # once per process, however often this runs
            refcount.value += HEAD_START
