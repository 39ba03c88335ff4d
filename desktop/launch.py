"""Kiosk start-up, in the order a station is seen: Qt and the locked window, painted before the
station's modules (database, crypto, voice) are imported; then those modules, on the event loop while
the locked screen waits for the passphrase; voice after them; sync and retention only after unlock
(desktop/app.py).

This module imports nothing heavy at load time.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any


def ensure_fonts() -> None:
    """Register bundled fonts (assets/fonts) when the system has no CJK font, so no glyph is a box."""
    from PySide6.QtGui import QFontDatabase

    from ui.theme import CJK_FAMILIES

    wanted = {f for families in CJK_FAMILIES.values() for f in families}
    if wanted & set(QFontDatabase.families()):
        return
    fonts = Path(__file__).resolve().parent.parent / "assets" / "fonts"
    for path in sorted(fonts.glob("*.[ot]t[fc]")):
        QFontDatabase.addApplicationFont(str(path))


def lighten_pyside_import_hook() -> bool:
    """PySide6's import hook (PYSIDE-2029) asks of every module imported after PySide6 whether its
    source mentions "PySide6", through `inspect.getsource` — which keeps every line of every such
    file in `linecache`: ≈ 17 MB for SQLAlchemy alone, held for the life of the kiosk, plus the time
    to split them. The same question is answered here from the file's bytes, nothing kept.
    False (and nothing changed) when this PySide6 has no such hook."""
    import linecache

    feature = sys.modules.get("shibokensupport.feature")
    original = getattr(feature, "_mod_uses_pyside", None)
    if original is None or getattr(original, "lightened", False):
        return False

    def uses_pyside(module: Any) -> bool:
        path = getattr(module, "__file__", None)
        if isinstance(path, str) and path.endswith(".py"):
            try:
                return b"PySide6" in Path(path).read_bytes()
            except OSError:
                pass
        return bool(original(module))

    uses_pyside.lightened = True  # type: ignore[attr-defined]
    feature._mod_uses_pyside = uses_pyside  # type: ignore[union-attr]
    linecache.clearcache()  # what the original hook read before this point
    return True


def hold_early_records() -> Any:
    """Keep what is logged before the log file opens (the kiosk opens it after its first paint:
    `logging.handlers` and the log folder's look-up are not on the way to the locked screen)."""
    import logging

    class EarlyRecords(logging.Handler):
        def __init__(self) -> None:
            super().__init__(logging.INFO)
            self.records: list[logging.LogRecord] = []

        def emit(self, record: logging.LogRecord) -> None:
            self.records.append(record)

    root = logging.getLogger()
    early = EarlyRecords()
    root.addHandler(early)
    root.setLevel(logging.INFO)
    return early


def open_log(early: Any) -> None:
    """Open the station's log file (desktop/logs.py) and write into it what `early` kept."""
    import logging

    from desktop import logs

    root = logging.getLogger()
    root.removeHandler(early)
    logs.configure()
    for record in early.records:
        root.handle(record)  # through the file handler's filter, which masks numbers
    early.records.clear()


def create_app(argv: list[str] | None = None) -> Any:
    from PySide6.QtWidgets import QApplication

    lighten_pyside_import_hook()

    from ui.keyboard_env import prepare_environment

    prepare_environment()  # the on-screen keyboard's input method must be chosen before QApplication
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("yizhan")
    ensure_fonts()
    return app


def _show(widget: Any, windowed: bool) -> None:
    if windowed:
        widget.resize(1920, 1080)
        widget.show()
        return
    from PySide6.QtCore import Qt

    widget.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
    widget.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, True)
    widget.showFullScreen()


# Modules the locked screen must be painted without (each costs from a few hundred ms to seconds of
# imports on a village PC, and memory): tests/ui/test_startup.py checks none is loaded at first paint.
HEAVY_MODULES = (
    "sqlalchemy",
    "cryptography",
    "models.station",
    "models.crypto",
    "qtawesome",
    "qtpy",
    "pydantic",
    "requests",
    "jieba",
    "vosk",
    "sounddevice",
    "pyttsx3",
    "voice.recognizer",
    "sync.client",
    "PySide6.QtQuickWidgets",  # the on-screen keyboard's Qt Quick (ui/keyboard.py builds it on first use)
)
# What unlocking and the home screen need, imported while the locked screen waits for the passphrase:
# models on the DB worker (where Station.open runs), then the home screen's Qt modules on the UI thread.
WARM_MODELS = ("models.station", "models.consultations", "models.requests", "models.volunteers")
WARM_SCREENS = ("ui.screens.home",)
# After unlock, once home has been painted (and before sync starts, desktop/app.py).
SETTLE_AFTER_UNLOCK_MS = 300


def heavy_loaded() -> list[str]:
    """The HEAVY_MODULES already imported in this process."""
    return [name for name in HEAVY_MODULES if name in sys.modules]


def warm_up(ctx: Any, then: Any = None) -> None:
    """After the first paint: import what unlock and home need, so the volunteer's 解锁 does not wait
    for imports. Models on the DB worker (Qt-free); screens on the UI thread when that is done."""
    import importlib

    def models() -> None:
        for name in WARM_MODELS:
            importlib.import_module(name)

    def screens(_result: object = None) -> None:
        for name in WARM_SCREENS:
            importlib.import_module(name)
        if then is not None:
            then()

    ctx.db.run(models, screens, lambda _exc: screens())


def after_first_paint(ctx: Any, window: Any) -> None:
    """What the kiosk does while its locked screen waits: import what unlock and home need, build
    home (hidden: it shows nothing of the station until unlock, and unlock then only shows it),
    settle the heap, start voice."""

    def then() -> None:
        from ui.navigator import ScreenKey

        if ctx.station is None:
            window.nav.prepare(ScreenKey.HOME)
        settle_heap()
        ctx.plug_available_voice(window)

    warm_up(ctx, then)
    ctx.changed.connect(_settle_after_unlock)


def settle_heap() -> None:
    """On the UI thread, at a quiet moment: collect once, then `gc.freeze()` what is alive — modules,
    classes, the window — so that no later collection walks it again. A full collection of a kiosk
    at home walked ≈ 110,000 objects for ≈ 75 ms of CPU, and ui/gc_guard.py runs one every few
    screen changes; with start-up's objects frozen it takes under a millisecond. Garbage made
    afterwards is collected as before."""
    import gc

    gc.collect()
    gc.freeze()


def _settle_after_unlock(what: str) -> None:
    """Once the station is open and home is on its way: the station's and home's objects stay too."""
    if what == "station":
        from PySide6.QtCore import QTimer

        QTimer.singleShot(SETTLE_AFTER_UNLOCK_MS, settle_heap)


def run_kiosk(data_dir: Path, *, windowed: bool) -> int:
    """Start order: Qt and the real locked window, painted before the station's heavy modules load
    (database, crypto, voice: see HEAVY_MODULES); then, on the event loop, those modules; voice after
    them; sync and retention only after unlock (desktop/app.py)."""
    started = time.perf_counter()
    early_log = hold_early_records()
    app = create_app()
    from PySide6.QtCore import QTimer

    from desktop.app import AppContext, close_kiosk
    from ui import input_watch
    from ui.shell import KioskWindow

    ctx = AppContext(data_dir, windowed=windowed)
    with input_watch.held():  # no input can arrive before the event loop runs: watch it from then on
        window = KioskWindow(ctx)
        _show(window, windowed)
        window.repaint()  # synchronous: the locked screen is on screen before anything heavy loads
    if os.environ.get("YIZHAN_EXIT_AFTER_FIRST_PAINT"):
        print(
            f"first-paint {time.perf_counter() - started:.4f} cpu={time.process_time():.4f} "
            f"heavy={','.join(heavy_loaded()) or '-'}",
            flush=True,
        )
    open_log(early_log)
    QTimer.singleShot(0, lambda: after_first_paint(ctx, window))
    if os.environ.get("YIZHAN_EXIT_WHEN_HOME"):
        _exit_when_home(app, window, started)
    if os.environ.get("YIZHAN_EXIT_AFTER_FIRST_PAINT"):
        _exit_after_locked(app, window, started)
    code = int(app.exec())
    close_kiosk(ctx, window)
    return code


def _rss_mb() -> float:
    """This process's resident memory (Linux /proc; 0 elsewhere)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _exit_after_locked(app: Any, window: Any, started: float) -> None:
    """For bench/ui.py and tests/deploy: once the real locked screen is painted, say so, then quit."""
    from PySide6.QtCore import QTimer

    def report() -> None:
        window.repaint()
        print(
            f"locked-shown {time.perf_counter() - started:.4f} screen={window.nav.current_key} "
            f"fullscreen={int(window.isFullScreen())}",
            flush=True,
        )
        QTimer.singleShot(0, lambda: app.exit(0))  # exit(), not quit(): a kiosk window refuses close

    QTimer.singleShot(0, report)


def _exit_when_home(app: Any, window: Any, started: float) -> None:
    """For bench/ui.py: print the time until the home screen is painted and the memory then; with
    YIZHAN_HOME_SETTLE_MS, the memory again after that long at home (sync and retention started)."""
    from PySide6.QtCore import QTimer

    from ui.navigator import ScreenKey

    settle_ms = int(os.environ.get("YIZHAN_HOME_SETTLE_MS", "0") or 0)

    def on_screen(_screen: Any) -> None:
        if window.nav.current_key != ScreenKey.HOME:
            return
        window.nav.changed.disconnect(on_screen)
        window.repaint()  # synchronous paint: home is on screen now
        shown = time.perf_counter() - started
        print(f"home-shown {shown:.4f} rss_mb={_rss_mb():.1f}", flush=True)

        def report() -> None:
            print(f"home-settled rss_mb={_rss_mb():.1f}", flush=True)
            app.exit(0)  # exit(), not quit(): a kiosk window refuses close

        QTimer.singleShot(settle_ms, report)

    window.nav.changed.connect(on_screen)
