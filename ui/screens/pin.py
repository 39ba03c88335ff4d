"""Volunteer sign-in (reached by a long press on the station name): first "请选择您的名字" with one big
tile per active volunteer, then that person's PIN pad. Digits are shown as dots and never spoken;
a PIN that is not the chosen person's is refused; wrong PINs count toward the station-wide lockout,
whose wait is shown in words."""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QSizePolicy, QVBoxLayout, QWidget

from models.volunteers import LockedOut, VolunteerRecord
from ui.navigator import ScreenKey
from ui.screens.base import Screen
from ui.theme import PALETTES
from ui.widgets import Keypad, apply_icons, button, label, set_text

MAX_PIN = 8


class PinScreen(Screen):
    screen_name = "pin"

    def __init__(self, ctx: Any, nav: Any) -> None:
        super().__init__(ctx, nav)
        # stage 1: who are you?
        self.who_page = QWidget()
        who = QVBoxLayout(self.who_page)
        who.setContentsMargins(0, 0, 0, 0)
        who.setSpacing(20)
        self.who_title = label(ctx.tr("pin.choose_name"), "h1")
        who.addWidget(self.who_title)
        self.names = QGridLayout()
        self.names.setSpacing(24)
        who.addLayout(self.names)
        who.addStretch(1)
        self.root.addWidget(self.who_page, 1)
        self.name_buttons: dict[str, Any] = {}
        self.people: list[VolunteerRecord] = []
        self.chosen: VolunteerRecord | None = None
        # stage 2: your PIN
        self.pin_page = QWidget()
        row = QHBoxLayout(self.pin_page)
        row.setContentsMargins(0, 0, 0, 0)
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
        self.root.addWidget(self.pin_page, 1)
        self.pin = ""
        self._stage("pin")

    def enter(self, **params: Any) -> None:
        self.pin = ""
        self._show()
        self.error.hide()
        self.chosen = None
        station = self.ctx.station
        if station is not None:
            self._stage("who")
            self.ctx.db.run(station.volunteers.list, self._show_people)

    def _stage(self, stage: str) -> None:
        self.stage = stage
        self.who_page.setVisible(stage == "who")
        self.pin_page.setVisible(stage == "pin")

    def _show_people(self, people: list[VolunteerRecord]) -> None:
        self.clear_layout(self.names)
        self.name_buttons.clear()
        self.people = [p for p in people if p.active]
        columns = 2 if self.window().width() < 1200 else 3
        for index, person in enumerate(self.people):
            icon = "fa5s.user-shield" if person.role == "admin" else "fa5s.user"
            widget = button(person.name, icon, "option", partial(self.choose, person))
            widget.setProperty("tall", True)
            widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
            self.names.addWidget(widget, index // columns, index % columns)
            widget.setVisible(self.stage == "who")  # at once, not on the next event-loop turn
            self.name_buttons[person.id] = widget
        apply_icons(self, PALETTES[self.ctx.theme], self.ctx.scale)

    def choose(self, person: VolunteerRecord) -> None:
        """Stage 2: this person's PIN."""
        self.chosen = person
        set_text(self.title, self.ctx.tr("pin.title_for", name=person.name))
        self.pin = ""
        self._show()
        self.error.hide()
        self._stage("pin")
        if self.nav.current is self:
            self.nav.changed.emit(self)  # a new step: the tap guard and speech follow

    def on_back(self) -> bool:
        if self.stage == "pin" and self.people:
            self.chosen = None
            self._stage("who")
            self.nav.changed.emit(self)
            return True
        return False

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
        # Only the chosen person's PIN opens: anyone else's is a failed attempt, not their sign-in.
        chosen = self.chosen.id if self.chosen is not None else None
        self.ctx.db.run(
            lambda: station.volunteers.sign_in(pin, volunteer_id=chosen), self._signed_in, self._failed
        )

    def _signed_in(self, record: VolunteerRecord | None) -> None:
        self.ok.setEnabled(True)
        if record is None or (self.chosen is not None and record.id != self.chosen.id):
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
        return self.who_title.text() if self.stage == "who" else self.title.text()

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
