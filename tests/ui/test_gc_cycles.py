"""Root cause of the worker-thread GC crash (issue 16): Python's cyclic collector runs on whichever
thread crosses its threshold (the DB worker, the sync loop, voice threads). Any live Qt object that
only a reference cycle still holds is destroyed by that pass — off the UI thread.

It used to happen to every closed kiosk window: its wrapper sat in cycles with its children
(VoicePanel.show_status = window._voice_status, Navigator.ask_abandon = window.ask_abandon), and
those cycles were the last holders of the live, parentless AppContext and its DbWorker. Now the
window's wiring holds it weakly or through signals, AppContext belongs to the application object,
and `close_kiosk` destroys both on the UI thread. tests/ui/test_gc_stress.py checks it under load,
with collection on in every thread."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject
from pytestqt.qtbot import QtBot

from tests.ui.conftest import StationInfo


def _qt_in_cyclic_garbage() -> tuple[list[str], list[str]]:
    """Names of the live and the dead Qt wrappers one full collection finds (then frees, here)."""
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        qt = [o for o in gc.garbage if isinstance(o, shiboken6.Shiboken.Object)]
        live = sorted({type(o).__name__ for o in qt if shiboken6.isValid(o)})
        dead = sorted({type(o).__name__ for o in qt if not shiboken6.isValid(o)})
    finally:
        gc.set_debug(0)
        del gc.garbage[:]
    return live, dead


def test_a_closed_kiosk_leaves_no_live_qt_object_to_the_cyclic_collector(
    qtbot: QtBot, station_info: StationInfo
) -> None:
    from desktop.app import AppContext, close_kiosk
    from ui.shell import KioskWindow

    gc.collect()  # older garbage out of the way
    ctx = AppContext(Path(station_info.path), windowed=True)
    window = KioskWindow(ctx)
    window.show()
    db = ctx.db
    # A default, not a closure cell, so `del db` below really drops it; mypy cannot type such a lambda.
    qtbot.waitUntil(lambda d=db: d.idle, timeout=10_000)  # type: ignore[misc]
    window_ref: weakref.ref[QObject] = weakref.ref(window)
    gc.disable()  # so that only the check below collects what the kiosk leaves behind
    try:
        close_kiosk(ctx, window)
        assert not shiboken6.isValid(ctx) and not shiboken6.isValid(ctx.db)  # destroyed on this thread
        del window, ctx, db
        assert window_ref() is None  # no cycle holds the window: freed by reference counting alone
        live, dead = _qt_in_cyclic_garbage()
    finally:
        gc.enable()
    assert live == []
    assert "KioskWindow" not in dead
