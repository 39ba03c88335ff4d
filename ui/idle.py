"""Idle handling: after `idle_seconds` without a touch, a big "还需要帮助吗？" card (spoken too) with a
countdown of at least 20 s and one 继续 button; when it runs out the half-filled form is wiped, the
volume and text size are reset and the kiosk returns home (WCAG 2.2.1, EN 301 549 §5.1.3.13).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QWidget

from ui.context import UiContext
from ui.input_watch import unwatch, watch
from ui.overlay import Overlay
from ui.widgets import button, label, set_text

MIN_GRACE_S = 20
_ACTIVITY = {QEvent.Type.MouseButtonPress, QEvent.Type.KeyPress, QEvent.Type.TouchBegin, QEvent.Type.Wheel}


class IdleWatcher(QObject):
    warn = Signal()
    expired = Signal()

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.idle_seconds = 120
        self.grace_seconds = 30
        self._active = False
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.timeout.connect(self._on_idle)
        self._grace = QTimer(self)
        self._grace.setSingleShot(True)
        self._grace.timeout.connect(self.expired.emit)
        self._watching = False

    def configure(self, idle_seconds: int, grace_seconds: int) -> None:
        self.idle_seconds = max(5, idle_seconds)
        self.grace_seconds = max(MIN_GRACE_S, grace_seconds)
        self.restart()

    def set_active(self, active: bool) -> None:
        """Only screens with something in progress time out; home needs no reset (and no input is
        watched there). Watching starts after the tap guard's, so it comes first: a press the guard
        eats still counts as someone being there."""
        self._active = active
        if active and not self._watching:
            watch(self)
        elif not active and self._watching:
            unwatch(self)
        self._watching = active
        self.restart()

    def restart(self) -> None:
        self._grace.stop()
        if self._active:
            self._idle.start(self.idle_seconds * 1000)
        else:
            self._idle.stop()

    @property
    def warning(self) -> bool:
        return self._grace.isActive()

    def trigger(self) -> None:
        """Act as if the idle time had passed (tests, the tour)."""
        self._idle.stop()
        self._on_idle()

    def _on_idle(self) -> None:
        self._grace.start(self.grace_seconds * 1000)
        self.warn.emit()

    def input_event(self, watched: QObject, event: QEvent, kind: QEvent.Type) -> bool:
        if kind in _ACTIVITY and self._active and not self._grace.isActive():
            self._idle.start(self.idle_seconds * 1000)
        return False


class IdleCard(Overlay):
    """The "还需要帮助吗？" card: the countdown and one 继续 button."""

    resume = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent, margins=(60, 50), fixed_width=True)
        self.title = label("", "h1", align=Qt.AlignmentFlag.AlignCenter)
        self.countdown = label("", "", align=Qt.AlignmentFlag.AlignCenter)
        self.continue_button = button("", "fa5s.check", "huge", self._continue)
        self.continue_button.setProperty("tall", True)
        self.box.addWidget(self.title)
        self.box.addWidget(self.countdown)
        self.box.addWidget(self.continue_button)
        self._left = 0
        self._ctx: UiContext | None = None
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._count)
        self.hide()

    def show_card(self, ctx: UiContext, seconds: int) -> None:
        self._ctx = ctx
        self._left = seconds
        set_text(self.title, ctx.tr("idle.title"))
        set_text(self.continue_button, ctx.tr("idle.continue"))
        self._count(advance=False)
        self.show_over_parent()
        self._tick.start()

    def _count(self, advance: bool = True) -> None:
        if advance:
            self._left = max(0, self._left - 1)
        if self._ctx is not None:
            set_text(self.countdown, self._ctx.tr("idle.countdown", n=self._left))

    def _continue(self) -> None:
        self._tick.stop()
        self.hide()
        self.resume.emit()

    def hideEvent(self, event: object) -> None:
        self._tick.stop()
        super().hideEvent(event)  # type: ignore[arg-type]
