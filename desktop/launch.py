"""Kiosk start-up, in the order a station is seen: Qt and a painted cover that looks like the locked
screen first; then the station's modules (database, crypto, icon fonts) and the real, locked window;
voice after that on the event loop; sync and retention only after unlock (desktop/app.py).

This module imports nothing heavy at load time — only what painting the cover needs.
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


def create_app(argv: list[str] | None = None) -> Any:
    from PySide6.QtWidgets import QApplication

    from ui.keyboard import prepare_environment

    prepare_environment()  # the on-screen keyboard's input method must be chosen before QApplication
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("yizhan")
    ensure_fonts()
    return app


def paint_cover(windowed: bool) -> Any:
    """The locked screen's look — theme background, 驿站正在启动，请志愿者解锁 — in plain Qt widgets, shown
    and painted at once. The real window needs the database, crypto and icon-font modules (≈ 1–2 s of
    imports on a village PC); this is on screen while they load, then the real locked screen takes
    its place. Nothing here touches the station's data."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

    from ui import i18n
    from ui.theme import PALETTES, pick_family, qpalette, stylesheet

    app = QApplication.instance()
    palette = PALETTES["default"]
    if isinstance(app, QApplication):
        app.setPalette(qpalette(palette))
        app.setStyleSheet(stylesheet(palette, 1.0, pick_family(i18n.DEFAULT)))
    cover = QWidget()
    cover.setObjectName("shell")
    cover.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
    cover.setWindowTitle("Yizhan 便民驿站")
    column = QVBoxLayout(cover)
    column.addStretch(1)
    for key, role in (("locked.title", "h1"), ("locked.hint", "")):
        text = QLabel(i18n.tr(i18n.DEFAULT, key))
        text.setProperty("role", role)
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        column.addWidget(text)
    column.addStretch(2)
    _show(cover, windowed)
    cover.repaint()  # synchronous: on screen before the heavy imports start
    return cover


def _show(widget: Any, windowed: bool) -> None:
    if windowed:
        widget.resize(1920, 1080)
        widget.show()
        return
    from PySide6.QtCore import Qt

    widget.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
    widget.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, True)
    widget.showFullScreen()


def run_kiosk(data_dir: Path, *, windowed: bool) -> int:
    """Start order: Qt and a painted cover first; then the station's modules and the real (locked)
    window; voice after that, on the event loop; sync and retention only after unlock."""
    started = time.perf_counter()
    app = create_app()
    cover = paint_cover(windowed)
    if os.environ.get("YIZHAN_EXIT_AFTER_FIRST_PAINT"):
        print(f"first-paint {time.perf_counter() - started:.4f}", flush=True)
    from desktop.app import AppContext, close_kiosk
    from ui.shell import KioskWindow

    ctx = AppContext(data_dir, windowed=windowed)
    window = KioskWindow(ctx)
    _show(window, windowed)
    window.repaint()
    cover.close()
    cover.deleteLater()
    from PySide6.QtCore import QTimer

    QTimer.singleShot(0, lambda: ctx.plug_available_voice(window))
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
    """For bench/ui.py: print the time until the home screen is painted, then quit."""
    from PySide6.QtCore import QTimer

    from ui.navigator import ScreenKey

    def on_screen(_screen: Any) -> None:
        if window.nav.current_key == ScreenKey.HOME:
            window.repaint()  # synchronous paint: home is on screen now
            print(f"home-shown {time.perf_counter() - started:.4f} rss_mb={_rss_mb():.1f}", flush=True)
            QTimer.singleShot(0, lambda: app.exit(0))  # exit(), not quit(): a kiosk window refuses close

    window.nav.changed.connect(on_screen)
