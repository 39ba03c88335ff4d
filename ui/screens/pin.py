"""The volunteer PIN pad (reached by a long press on the station name). Digits are shown as dots and
never spoken; wrong PINs count toward the station-wide lockout, whose wait is shown in words."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout

from models.volunteers import LockedOut, VolunteerRecord
from ui.navigator import ScreenKey
from ui.screens.base import Screen
from ui.widgets import Keypad, button, label, set_text

MAX_PIN = 8


class PinScreen(Screen):
    screen_name = "pin"

    def __init__(self, ctx: Any, nav: Any) -> None:
        super().__init__(ctx, nav)
        row = QHBoxLayout()
        row.setSpacing(40)
        left = QVBoxLayout()
        left.setSpacing(24)
        self.title = label(ctx.tr("pin.title"), "h1")
        self.dots = label("", "h1")
        self.dots.setAccessibleName(ctx.tr("pin.entered"))
        left.addWidget(self.title)
        left.addWidget(label(ctx.tr("pin.hint"), ""))
        left.addWidget(self.dots)
        self.error = label("", "error")
        self.error.hide()
        left.addWidget(self.error)
        left.addStretch(1)
        self.ok = button(ctx.tr("pin.ok"), "fa5s.check", "primary", self.submit)
        self.ok.setProperty("tall", True)
        left.addWidget(self.ok)
        keypad = Keypad({"del": ctx.tr("keypad.del"), "clear": ctx.tr("keypad.clear")}, with_x=False)
        keypad.key.connect(self.press)
        self.keypad = keypad
        row.addLayout(left, 1)
        row.addWidget(keypad, 1)
        self.root.addLayout(row, 1)
        self.pin = ""

    def enter(self, **params: Any) -> None:
        self.pin = ""
        self._show()
        self.error.hide()

    def press(self, key: str) -> None:
        if key == "DEL":
            self.pin = self.pin[:-1]
        elif key == "CLEAR":
            self.pin = ""
        elif key.isdigit() and len(self.pin) < MAX_PIN:
            self.pin += key
        self._show()

    def _show(self) -> None:
        self.dots.setText("●" * len(self.pin) if self.pin else "—")

    def submit(self) -> None:
        station = self.ctx.station
        if station is None or not self.pin:
            return
        pin, self.pin = self.pin, ""
        self._show()
        self.ok.setEnabled(False)
        self.ctx.db.run(lambda: station.volunteers.sign_in(pin), self._signed_in, self._failed)

    def _signed_in(self, record: VolunteerRecord | None) -> None:
        self.ok.setEnabled(True)
        if record is None:
            self._error(self.ctx.tr("pin.wrong"))
            return
        self.ctx.staff = record
        self.ctx.changed.emit("staff")
        self.nav.go(ScreenKey.STAFF, remember=False)

    def _failed(self, exc: BaseException) -> None:
        self.ok.setEnabled(True)
        if isinstance(exc, LockedOut):
            self._error(self.ctx.tr("pin.locked", seconds=exc.seconds))
        else:
            self._error(self.ctx.tr("error.generic"))

    def _error(self, text: str) -> None:
        set_text(self.error, text)
        self.error.show()
        self.ctx.say(text)

    def reset(self) -> None:
        self.pin = ""
        self._show()

    def spoken_text(self) -> str:
        return self.title.text()

    def keyPressEvent(self, event: Any) -> None:
        text = event.text()
        if text.isdigit():
            self.press(text)
        elif event.key() == Qt.Key.Key_Backspace:
            self.press("DEL")
        elif event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.submit()
        else:
            super().keyPressEvent(event)
