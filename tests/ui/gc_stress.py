"""The GC stress scenario of issue 16, run in a subprocess by tests/ui/test_gc_stress.py (a segfault
then fails that test instead of killing pytest):

    python -m tests.ui.gc_stress WINDOWS [--watch]

Real kiosk windows are opened on one station, taken through a service and closed the way the kiosk
closes (`close_kiosk`), one after another, with automatic garbage collection on at a low threshold
while a "churn" thread makes cyclic garbage without pause — so many collections run on that thread,
as they do on the DB worker and the sync loop of a real kiosk. A Qt object that only a reference
cycle holds is destroyed by such a pass, off the UI thread.

The last line printed is a JSON report: windows closed, collections per thread, the thread each
window and each AppContext was destroyed on, and Qt's warnings about work from another thread.
With --watch every collection keeps what it found instead (DEBUG_SAVEALL): a pass on another
thread that found a live Qt object is recorded under "findings" and its garbage handed to the UI
thread to free (for finding out what would have been destroyed where)."""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["YIZHAN_NO_VOICE"] = "1"

import shiboken6
from PySide6.QtCore import QMessageLogContext, QObject, Qt, QtMsgType, qInstallMessageHandler
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

CHURN = "churn"
SERVICES = ("problem_report", "daily_checkin")


class Bot:
    """The two pytest-qt calls tests/ui/flows.py makes, without pytest."""

    def __init__(self, app: QApplication) -> None:
        self.app = app

    def waitUntil(self, ready: Callable[[], object], timeout: int = 30_000) -> None:
        end = time.monotonic() + timeout / 1000
        while not ready():
            if time.monotonic() > end:
                raise TimeoutError("the kiosk did not get there in time")
            self.app.processEvents()
            time.sleep(0.002)

    def mouseClick(self, widget: QWidget, button: Qt.MouseButton) -> None:
        QTest.mouseClick(widget, button)


class Watch:
    """A gc callback: counts passes per thread; with `save_all`, looks at what each pass found."""

    def __init__(self, save_all: bool) -> None:
        self.save_all = save_all
        self.passes: dict[str, int] = {}
        self.findings: list[dict[str, Any]] = []
        self.quarantine: list[object] = []  # other threads' garbage, freed by the UI thread
        self.lock = threading.Lock()

    def __call__(self, phase: str, _info: dict[str, int]) -> None:
        thread = threading.current_thread()
        if phase == "start":
            self.passes[thread.name] = self.passes.get(thread.name, 0) + 1
            return
        if not self.save_all:
            return
        if thread is threading.main_thread():
            del gc.garbage[:]  # freed here, on the UI thread
            return
        live = [o for o in gc.garbage if isinstance(o, shiboken6.Shiboken.Object) and shiboken6.isValid(o)]
        if live:
            self.findings.append({"thread": thread.name, "live": sorted({type(o).__name__ for o in live})})
        with self.lock:
            self.quarantine.extend(gc.garbage)
        del gc.garbage[:]

    def free_quarantine(self) -> None:
        with self.lock:
            kept, self.quarantine = self.quarantine, []
        del kept


class Deaths:
    """Where Qt objects die: the name of the thread each one's destructor ran on, by class."""

    def __init__(self) -> None:
        self.threads: dict[str, dict[str, int]] = {}

    def watch(self, obj: QObject) -> None:
        kind = type(obj).__name__
        obj.destroyed.connect(lambda *_: self._died(kind), Qt.ConnectionType.DirectConnection)

    def _died(self, kind: str) -> None:
        where = self.threads.setdefault(kind, {})
        name = threading.current_thread().name
        where[name] = where.get(name, 0) + 1


class QtWarnings:
    """Qt's complaints about objects used or destroyed from a thread not their own."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, _kind: QtMsgType, _context: QMessageLogContext, message: str) -> None:
        if "thread" in message.lower():
            self.seen.append(message)
        print(message, file=sys.stderr)


def churn(stop: threading.Event) -> None:
    """Cyclic garbage, without pause: most collections start on this thread."""
    while not stop.is_set():
        for _ in range(200):
            a: list[object] = []
            a.append(a)
        time.sleep(0.0005)


def one_window(app: QApplication, path: Path, round_no: int, deaths: Deaths) -> None:
    from desktop.app import AppContext, close_kiosk
    from tests.ui.conftest import ALONE_ID, Kiosk
    from tests.ui.flows import run_service
    from ui.navigator import ScreenKey
    from ui.shell import KioskWindow

    ctx = AppContext(path, windowed=True)
    window = KioskWindow(ctx)
    deaths.watch(ctx)
    deaths.watch(window)
    window.resize(1366, 768)
    window.show()
    bot = Bot(app)
    bot.waitUntil(lambda: window.nav.current_key == ScreenKey.HOME and ctx.db.idle)
    window.tap_guard.guard_ms = 0  # scripted clicks come faster than any hand
    kiosk = Kiosk(bot, window)  # type: ignore[arg-type]  # Bot has the QtBot calls flows.py makes
    run_service(kiosk, SERVICES[round_no % len(SERVICES)], ALONE_ID)
    window.nav.go(ScreenKey.HOME)
    kiosk.settle()
    close_kiosk(ctx, window)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("windows", type=int)
    parser.add_argument(
        "--watch", action="store_true", help="record live Qt objects in other threads' garbage"
    )
    args = parser.parse_args(argv)

    from desktop.launch import create_app
    from tests.ui.conftest import PASSPHRASE, create_station

    app = create_app()
    os.environ["YIZHAN_PASSPHRASE"] = PASSPHRASE
    path = create_station(Path(tempfile.mkdtemp(prefix="yizhan-gc-")) / "station").path
    watch = Watch(args.watch)
    deaths = Deaths()
    warnings = QtWarnings()
    qInstallMessageHandler(warnings)
    stop = threading.Event()
    worker = threading.Thread(target=churn, args=(stop,), name=CHURN, daemon=True)
    import ui.gc_guard

    ui.gc_guard.ENABLED = False  # this scenario checks the layer below: the kiosk's own cycle hygiene
    gc.enable()
    gc.set_threshold(10, 2, 2)
    if args.watch:
        gc.set_debug(gc.DEBUG_SAVEALL)
    gc.callbacks.append(watch)
    worker.start()
    closed = 0
    try:
        for round_no in range(args.windows):
            one_window(app, path, round_no, deaths)
            closed += 1
            app.processEvents()
            time.sleep(0.2)  # the churn thread collects what the closed window left behind
            watch.free_quarantine()
    finally:
        stop.set()
        worker.join()
        gc.callbacks.remove(watch)
        gc.set_debug(0)
        watch.free_quarantine()
    report = {
        "closed": closed,
        "passes": watch.passes,
        "destroyed_on": deaths.threads,
        "qt_thread_warnings": warnings.seen,
        "findings": watch.findings,
    }
    print(json.dumps(report), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
