"""The handwriting pad: the resident writes one character with a finger, the best candidates appear
as big buttons (role "key": ≥ 80 px tall, 36 pt), and a tap emits `chosen(char)` and clears the pad.

Recognition is the Qt-free `handwriting` package (Zinnia); it takes a few milliseconds, so it runs
on the UI thread after each stroke. Without Zinnia the pad says why and the other ways in remain.
"""

from __future__ import annotations

import functools
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPainterPath, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import (
    QBoxLayout,
    QGridLayout,
    QHBoxLayout,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from handwriting import Candidate, HandwritingUnavailable, InkError, default_recognizer
from handwriting.strokes import make_ink
from ui.widgets import button, label, set_text

CANDIDATES = 8  # two rows of four big buttons
COMPACT_CANDIDATES = 3
OUTSIDE_SHARE = 0.3  # a stroke with more of its points outside the box than this gets a gentle word


class InkCanvas(QWidget):
    """A square box with a 田 guide that records strokes (press → move → release)."""

    stroke_done = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.strokes: list[list[tuple[float, float]]] = []
        self.outside_last = False  # the last stroke left the box for a good part of its length
        self._drawing = False
        self.setMinimumSize(150, 150)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName("handwriting pad")
        self.setCursor(Qt.CursorShape.CrossCursor)

    def box(self) -> QRectF:
        side = min(self.width(), self.height()) - 4
        return QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)

    def _local(self, event: QMouseEvent) -> tuple[float, float]:
        box = self.box()
        pos = event.position()
        return (pos.x() - box.x(), pos.y() - box.y())

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._drawing = True
            self.strokes.append([self._local(event)])
            self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drawing:
            self.strokes[-1].append(self._local(event))
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._drawing and event.button() == Qt.MouseButton.LeftButton:
            self._drawing = False
            self.strokes[-1].append(self._local(event))
            side = self.box().width()
            points = self.strokes[-1]
            outside = sum(not (0 <= x <= side and 0 <= y <= side) for x, y in points)
            self.outside_last = outside > OUTSIDE_SHARE * len(points)
            self.update()
            self.stroke_done.emit()

    def clear(self) -> None:
        self.strokes.clear()
        self._drawing = False
        self.update()

    def undo(self) -> None:
        if self.strokes:
            self.strokes.pop()
            self.update()

    def colours(self) -> tuple[QColor, QColor]:
        """Paper and ink from the theme (a card's background and the text colour, ≥ 7:1 in both
        themes): white and near-black by default, black and white in high contrast."""
        palette = self.palette()
        return palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.Text)

    def paintEvent(self, event: QPaintEvent) -> None:
        del event
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        box = self.box()
        paper, ink_colour = self.colours()
        painter.fillRect(box, paper)
        # The 田 guide and the frame in the ink's colour, thin and dashed (guide) or thick (frame):
        # a fixed brown vanished on the high-contrast theme's black paper.
        guide = QPen(ink_colour, 1, Qt.PenStyle.DashLine)
        painter.setPen(guide)
        painter.drawLine(QPointF(box.center().x(), box.top()), QPointF(box.center().x(), box.bottom()))
        painter.drawLine(QPointF(box.left(), box.center().y()), QPointF(box.right(), box.center().y()))
        painter.setPen(QPen(ink_colour, 4))
        painter.drawRect(box)
        ink = QPen(
            ink_colour,
            max(6.0, box.width() / 40),
            Qt.PenStyle.SolidLine,
            Qt.PenCapStyle.RoundCap,
            Qt.PenJoinStyle.RoundJoin,
        )
        painter.setPen(ink)
        for stroke in self.strokes:
            path = QPainterPath(QPointF(box.x() + stroke[0][0], box.y() + stroke[0][1]))
            for x, y in stroke[1:]:
                path.lineTo(box.x() + x, box.y() + y)
            if len(stroke) == 1:
                painter.drawPoint(QPointF(box.x() + stroke[0][0], box.y() + stroke[0][1]))
            painter.drawPath(path)
        painter.end()


class HandwritingPad(QWidget):
    """Canvas on the left; candidate buttons, 重写 and 删除 on the right."""

    chosen = Signal(str)  # one character to append
    backspace = Signal()

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.candidates: list[Candidate] = []
        self.compact = False
        self.canvas = InkCanvas()
        self.canvas.stroke_done.connect(self.recognize)
        self.status = label(ctx.tr("handwriting.hint"), "muted")
        self.buttons: list[QPushButton] = []
        grid = QGridLayout()
        grid.setSpacing(12)
        for n in range(CANDIDATES):
            # Empty until something is written; its name says so (a screen reader never meets a blank).
            b = button(
                "", "", "key", functools.partial(self.pick, n), name=ctx.tr("handwriting.no_candidate")
            )
            b.setMinimumSize(88, 80)
            self.buttons.append(b)
            grid.addWidget(b, n // 4, n % 4)
        # words only (room is short), never squeezed: the candidates beside them give way first
        self.rewrite = button(ctx.tr("handwriting.rewrite"), "", "", self.clear, whole_words=True)
        self.delete = button(ctx.tr("handwriting.delete"), "", "", self.backspace.emit, whole_words=True)
        keys = QHBoxLayout()
        keys.setSpacing(16)
        # The candidates keep their size; 重写 and 删除 take the room that is left, one above the
        # other beside the two rows of candidates, so their words fit ("Rewrite" was cut side by
        # side at 1366×768); beside the one compact row of candidates they sit side by side.
        keys.addLayout(grid, 0)
        self.action_box = QBoxLayout(QBoxLayout.Direction.TopToBottom)
        self.action_box.setSpacing(12)
        for action in (self.rewrite, self.delete):
            action.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            # No taller than the candidates beside them (the row's height is short on a small panel).
            action.setStyleSheet("QPushButton { padding-top: 2px; padding-bottom: 2px; }")
            self.action_box.addWidget(action)
        self.action_box.addStretch(1)
        keys.addLayout(self.action_box, 1)
        self.right = right = QVBoxLayout()
        right.setSpacing(8)
        right.addWidget(self.status)
        right.addLayout(keys)
        right.addStretch(1)
        self.row = row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(20)
        row.addWidget(self.canvas, 2)
        row.addLayout(right, 5)
        self.available = True
        try:
            default_recognizer()
        except HandwritingUnavailable:
            self.available = False
            set_text(self.status, ctx.tr("handwriting.unavailable"))
            self.canvas.setEnabled(False)

    def set_compact(self, compact: bool) -> None:
        """On a short screen (1366×768) one row of candidates, the best three, so the row still
        has room for 重写 and 删除 with their words."""
        self.compact = compact
        direction = QBoxLayout.Direction.LeftToRight if compact else QBoxLayout.Direction.TopToBottom
        self.action_box.setDirection(direction)
        self.right.setSpacing(2 if compact else 8)
        for b in self.buttons[COMPACT_CANDIDATES:]:
            b.setVisible(not compact)

    def set_wide(self, wide: bool) -> None:
        """With the whole width to itself (a portrait kiosk) the canvas takes an even share of it."""
        self.row.setStretch(0, 1 if wide else 2)
        self.row.setStretch(1, 1 if wide else 5)

    def recognize(self) -> None:
        """Classify what is on the pad and fill the candidate buttons (best first)."""
        if not self.available:
            return
        side = max(1, round(self.canvas.box().width()))
        try:
            ink = make_ink(side, side, [list(s) for s in self.canvas.strokes])
            self.candidates = default_recognizer().classify(ink, CANDIDATES)
        except InkError as exc:
            self._show([])
            set_text(self.status, self.ctx.tr(f"handwriting.{exc.key}"))
            return
        self._show(self.candidates)
        key = "handwriting.outside" if self.canvas.outside_last else "handwriting.pick"
        set_text(self.status, self.ctx.tr(key))

    def _show(self, candidates: list[Candidate]) -> None:
        for n, b in enumerate(self.buttons):
            char = candidates[n].char if n < len(candidates) else ""
            set_text(b, char, char or self.ctx.tr("handwriting.no_candidate"))

    def pick(self, n: int) -> None:
        """Append candidate `n`; a tap on an empty button (nothing written yet) says what to do."""
        if n < len(self.candidates):
            self.chosen.emit(self.candidates[n].char)
            self.clear()
            return
        message = self.ctx.tr("handwriting.empty" if not self.canvas.strokes else "handwriting.pick")
        set_text(self.status, message)
        self.ctx.say(message)

    def clear(self) -> None:
        self.canvas.clear()
        self.candidates = []
        self._show([])
        set_text(self.status, self.ctx.tr("handwriting.hint"))
