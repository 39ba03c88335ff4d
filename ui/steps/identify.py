"""Identify by ID number on a big keypad (digits and X). The number is shown grouped for checking but
never spoken; a bad number gets the validator's kind message and the typed digits stay for fixing.
A physical keyboard's digits, X, Backspace and Enter work like the keypad, and a desk ID-card reader
in keyboard mode (ui/id_reader.py) fills the number and confirms it in one go."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QFontMetrics, QHideEvent, QKeyEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QBoxLayout, QLineEdit, QStyle, QStyleOptionFrame, QVBoxLayout

from models.residents import ResidentRecord
from models.validation import ValidationError, normalize_id_number
from ui.id_reader import IdReader
from ui.steps.base import StepPage
from ui.theme import COMPACT
from ui.widgets import Keypad, button, label

ID_LENGTH = 18


def group_id(raw: str) -> str:
    """`110105 19491231 002X`: region, birth date, sequence — easier to compare with the card."""
    parts = [raw[:6], raw[6:14], raw[14:]]
    return " ".join(p for p in parts if p)


class IdDisplay(QLineEdit):
    """The typed number, never scrolled sideways: it asks for the width of a whole grouped number
    in its own font (at the largest text the start of "110105 19491231 0029" went out of view on a
    1280×800 panel, and the resident could not check the first digits)."""

    SAMPLE = "000000 00000000 000X"

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        option = QStyleOptionFrame()
        self.initStyleOption(option)
        option.rect = QRect(0, 0, 1000, 100)  # measured at any width: what padding and border take
        inside = self.style().subElementRect(QStyle.SubElement.SE_LineEditContents, option, self)
        # + the line edit's own 2 px a side, and the focus border's extra 2 px a side
        need = QFontMetrics(self.font()).horizontalAdvance(self.SAMPLE) + 1000 - inside.width() + 8
        return QSize(max(hint.width(), need), hint.height())

    def sizeHint(self) -> QSize:
        return super().sizeHint().expandedTo(self.minimumSizeHint())


class IdentifyPage(StepPage):
    # Every service starts with it: the flow keeps it between services (see reset and _lookups).
    reusable = True

    def __init__(self, ctx: Any, flow: Any, step: Any) -> None:
        super().__init__(ctx, flow, step)
        row = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        row.setSpacing(40)
        self.row = row
        left = QVBoxLayout()
        left.setSpacing(16)
        self.prompt = label(ctx.tr("identify.prompt"), "")
        self.display = IdDisplay()
        self.display.setProperty("role", "display")
        self.display.setAccessibleName(ctx.tr("identify.display"))
        self.display.setMaxLength(ID_LENGTH + 2)
        self.display.setReadOnly(not ctx.assist)
        self.display.textEdited.connect(self._typed)
        self.display.returnPressed.connect(self.confirm)
        self.count = label("", "muted")
        self.confirm_button = button(ctx.tr("identify.confirm"), "fa5s.check", "primary", self.confirm)
        self.confirm_button.setProperty("tall", True)
        left.addWidget(self.prompt)
        left.addWidget(self.display)
        left.addWidget(self.count)
        left.addWidget(self.error)
        left.addStretch(1)
        left.addWidget(self.confirm_button)
        words = {"del": ctx.tr("keypad.del"), "clear": ctx.tr("keypad.clear"), "name_X": ctx.tr("keypad.x")}
        self.keypad = Keypad(words, with_x=True)
        self.keypad.key.connect(self.press)
        row.addLayout(left, 4)
        row.addWidget(self.keypad, 5)
        self.box.addLayout(row, 1)
        self.raw = ""
        self._busy = False
        self._lookups = 0  # bumped by reset: a look-up still on its way then belongs to nobody
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # so a physical keyboard's keys reach keyPressEvent
        self.reader = IdReader(self)
        self.reader.scanned.connect(self.scanned)
        self._show()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.reader.start()  # listens application-wide only while this page is on screen

    def hideEvent(self, event: QHideEvent) -> None:
        self.reader.stop()
        super().hideEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Side by side on a landscape screen; on a portrait kiosk the keypad goes below, full width."""
        super().resizeEvent(event)
        portrait = self.window().height() > self.window().width()
        self.row.setDirection(
            QBoxLayout.Direction.TopToBottom if portrait else QBoxLayout.Direction.LeftToRight
        )

    # -- input ----------------------------------------------------------------------------
    def press(self, key: str) -> None:
        if key == "DEL":
            self.raw = self.raw[:-1]
        elif key == "CLEAR":
            self.raw = ""
        elif len(self.raw) < ID_LENGTH:
            self.raw += key
        self._show()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """A physical keyboard's digits, X and Backspace act like the keypad; Enter confirms."""
        text = event.text().upper()
        if text and text in "0123456789X":
            self.press(text)
        elif event.key() == Qt.Key.Key_Backspace:
            self.press("DEL")
        elif event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.confirm()
        else:
            super().keyPressEvent(event)

    def scanned(self, number: str) -> None:
        """A reader's burst: a good number replaces what was typed and is looked up at once; a bad
        one (17 characters, wrong check digit) gets the keypad's message and nothing typed is lost."""
        try:
            number = normalize_id_number(number)
        except ValidationError as exc:
            self.show_error(exc.message(self.ctx.locale))
            return
        self.raw = number
        self._show()
        self.confirm()

    def _typed(self, text: str) -> None:
        self.raw = "".join(ch for ch in text.upper() if ch.isdigit() or ch == "X")[:ID_LENGTH]
        self._show()

    def show_error(self, message: str) -> None:
        """The message says what is wrong and what to do: the count line gives way, and on a small
        panel the prompt above too, so the page still fits without scrolling (1366×768 and
        1280×800 at the largest text: a three-line message pushed 확인 below the fold)."""
        self.count.hide()
        self.prompt.setVisible(self.ctx.sizes is not COMPACT)
        super().show_error(message)

    def clear_error(self) -> None:
        super().clear_error()
        if hasattr(self, "count"):  # the base class clears before the page is built
            self.count.show()
            self.prompt.show()

    def _show(self) -> None:
        self.display.setText(group_id(self.raw))
        self.count.setText(self.ctx.tr("identify.count", n=len(self.raw), total=ID_LENGTH))
        self.count.setAccessibleName(self.count.text())

    # -- checking -----------------------------------------------------------------------------
    def confirm(self) -> None:
        station = self.ctx.station
        if station is None or self._busy:
            return
        number, actor, lookup = self.raw, self.ctx.actor, self._lookups
        self._busy = True
        self.confirm_button.setEnabled(False)
        self.ctx.db.run(
            lambda: station.residents.find_by_id_number(number, actor),
            lambda record: self._found(record) if lookup == self._lookups else None,
            lambda exc: self._failed(exc) if lookup == self._lookups else None,
        )

    def _found(self, record: ResidentRecord | None) -> None:
        self._busy = False
        self.confirm_button.setEnabled(True)
        if record is None:
            self.show_error(self.ctx.tr("identify.not_found"))
            return
        self.clear_error()
        self.flow.identified(record)

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self.confirm_button.setEnabled(True)
        if isinstance(exc, ValidationError):
            self.show_error(exc.message(self.ctx.locale))
        else:
            self.show_error(self.ctx.tr("error.generic"))

    def refresh(self) -> None:
        super().refresh()
        self.display.setReadOnly(not self.ctx.assist)
        if self.ctx.assist:
            self.display.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.setFocus(Qt.FocusReason.OtherFocusReason)

    def reset(self) -> None:
        super().reset()
        self._lookups += 1  # the answer to a look-up sent before now goes nowhere
        self._busy = False
        self.confirm_button.setEnabled(True)
        self.raw = ""
        self._show()  # setText: the field's undo history (the typed number) goes too

    def spoken_text(self) -> str:
        return self.ctx.tr("identify.prompt")
