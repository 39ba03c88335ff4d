"""After a service: the receipt code shown huge (spoken, printable) with what happens next, then a
rating with big face buttons."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QBoxLayout, QHBoxLayout

from models.requests import RequestRecord
from ui.navigator import ScreenKey
from ui.printing import print_receipt, receipt_lines
from ui.queries import Slot
from ui.screens.base import Screen
from ui.screens.home_tile import HomeTile
from ui.steps.choose import slot_label
from ui.theme import pick_family
from ui.widgets import IconHeading, button, label, restyle, set_text

THANKS_MS = 2500  # the thank-you stays this long before home
NO_RATING = {"daily_checkin", "help_call", "my_requests", "notices"}
FACES = ((5, "fa5s.grin-beam", "rating.good"), (3, "fa5s.meh", "rating.ok"), (1, "fa5s.frown", "rating.bad"))


def spell_code(code: str) -> str:
    """ "A01-0012" → "A 0 1 - 0 0 1 2" so speech reads it digit by digit (a receipt code is not PII)."""
    return " ".join(code)


class ReceiptScreen(Screen):
    screen_name = "receipt"

    def __init__(self, ctx: Any, nav: Any) -> None:
        super().__init__(ctx, nav)
        self.root.addStretch(1)
        self.title = label("", "h1", align=Qt.AlignmentFlag.AlignCenter)
        self.head = IconHeading("fa5s.check-circle", "#0B4A1C", 110, ctx.tr("receipt.done"), self.title)
        self.root.addWidget(self.head)
        self.code_hint = label(ctx.tr("receipt.code_hint"), "", align=Qt.AlignmentFlag.AlignCenter)
        self.code = label("", "huge", align=Qt.AlignmentFlag.AlignCenter)
        # "受理编号是" above the code; beside it on a short panel (an appointment's receipt, with
        # its booked time, scrolled on a 1366×768 panel at the largest text)
        self.code_row = QBoxLayout(QBoxLayout.Direction.TopToBottom)
        self.code_row.setSpacing(20)
        self.code_row.addStretch(0)
        self.code_row.addWidget(self.code_hint)
        self.code_row.addWidget(self.code)
        self.code_row.addStretch(0)
        self.next_hint = label("", "", align=Qt.AlignmentFlag.AlignCenter)
        self.printed = label("", "muted", align=Qt.AlignmentFlag.AlignCenter)
        self.booked = label("", "h2", align=Qt.AlignmentFlag.AlignCenter)  # an appointment's date and time
        self.booked.hide()
        self.root.addLayout(self.code_row)
        for widget in (self.booked, self.next_hint, self.printed):
            self.root.addWidget(widget)
        self.root.addStretch(1)
        row = QHBoxLayout()
        row.setSpacing(40)
        self.print_button = button(ctx.tr("receipt.print"), "fa5s.print", "", self.print_it)
        self.finish = button(ctx.tr("receipt.finish"), "fa5s.check", "primary", self.done)
        for action in (self.print_button, self.finish):
            action.setProperty("tall", True)
            row.addWidget(action, 1)
        self.root.addLayout(row)
        self.record: RequestRecord | None = None

    def set_short(self, short: bool) -> None:
        """The short shape, when the roomy one would scroll (an appointment's receipt on a 1366×768
        panel, or at 1920×1080 with large text): the tick beside the heading, "受理编号是" beside
        the code (in heading size), the two buttons at the ordinary height."""
        self.head.set_compact(short)
        self.code_row.setDirection(
            QBoxLayout.Direction.LeftToRight if short else QBoxLayout.Direction.TopToBottom
        )
        for spacer in (0, 3):  # beside: the hint and the code centred as a pair
            self.code_row.setStretch(spacer, 1 if short else 0)
        self.code_hint.setWordWrap(not short)
        code_role = "h1" if short else "huge"  # short: the code as big as the heading, still bold
        if self.code.property("role") != code_role:
            self.code.setProperty("role", code_role)
            restyle(self.code)
        for action in (self.print_button, self.finish):
            if bool(action.property("tall")) == short:
                action.setProperty("tall", not short)
                restyle(action)

    def enter(self, **params: Any) -> None:
        record = params.get("record")
        if record is None:
            return
        self.record = record
        service = self.ctx.catalogue.get(record.service)
        checkin = record.service == "daily_checkin"
        set_text(self.title, self.ctx.tr("receipt.checkin" if checkin else "receipt.done"))
        set_text(
            self.code, record.receipt_code or "", self.ctx.tr("a11y.receipt_code", code=record.receipt_code)
        )
        set_text(self.next_hint, self.ctx.tr("receipt.next", service=self.ctx.pick(service.title)))
        booked = self.booked_text(record)
        set_text(self.booked, booked)
        self.booked.setVisible(bool(booked))
        # a check-in is no case to follow up: no 办件编号, no 办理进度, nothing to print
        for widget in (self.code_hint, self.code, self.next_hint, self.print_button):
            widget.setVisible(not checkin)
        self.printed.hide()

    def print_it(self) -> None:
        record = self.record
        if record is None or not record.receipt_code:
            return
        lines = receipt_lines(
            str(self.ctx.settings.get("station_name", "")),
            self.ctx.pick(self.ctx.catalogue.get(record.service).title),
            record.receipt_code,
            record.created_at,
            self.ctx.tr("receipt.paper_note"),
            self.booked_text(record),
        )
        result = print_receipt(
            self.ctx.data_dir / "receipts", record.receipt_code, lines, pick_family(self.ctx.locale)
        )
        self.last_printed = result
        # "回执已打印" only when a printer took the job; otherwise say where the receipt was saved
        message = (
            self.ctx.tr("receipt.printed")
            if result.printed
            else self.ctx.tr("receipt.no_printer", file=Path(result.where).name)
        )
        set_text(self.printed, message)
        self.printed.show()
        self.refit_later()
        self.ctx.say(message)

    def booked_text(self, record: RequestRecord) -> str:
        """ "预约时间：11月28日 星期六 09:00–11:00" for an appointment (marked when still to be confirmed)."""
        for value in record.fields.values():
            if isinstance(value, dict) and "start" in value and "end" in value:
                slot = Slot(
                    str(value.get("slot_id", "")),
                    dt.datetime.fromisoformat(value["start"]),
                    dt.datetime.fromisoformat(value["end"]),
                    bool(value.get("tentative")),
                )
                extra = self.ctx.tr("summary.tentative") if slot.tentative else ""
                # one line when it fits (the slot's label breaks between day and time for a button)
                when = slot_label(self.ctx.locale, slot).replace("\n", " ")
                return self.ctx.tr("receipt.booked", slot=when) + extra
        return ""

    def done(self) -> None:
        record = self.record
        if record is not None and record.service not in NO_RATING:
            self.nav.go(ScreenKey.RATING, record=record, remember=False)
        else:
            self.nav.home()

    def on_back(self) -> bool:
        """返回 on a receipt means "I am finished": home, never forward to the rating."""
        self.nav.home()
        return True

    def handle_intent(self, intent: str) -> bool:
        if intent == "yes":
            self.done()
            return True
        return False

    def spoken_text(self) -> str:
        if self.record is None:
            return ""
        if self.record.service == "daily_checkin":
            return self.title.text()
        booked = f" {self.booked.text()}。" if self.booked.isVisible() else ""
        return (
            f"{self.title.text()} {self.code_hint.text()} {spell_code(self.record.receipt_code or '')}。"
            f"{booked}{self.next_hint.text()}"
        )


class RatingScreen(Screen):
    screen_name = "rating"

    def __init__(self, ctx: Any, nav: Any) -> None:
        super().__init__(ctx, nav)
        self.root.addStretch(1)
        self.title = label(ctx.tr("rating.title"), "h1", align=Qt.AlignmentFlag.AlignCenter)
        self.root.addWidget(self.title)
        self.root.addStretch(1)
        row = QHBoxLayout()
        row.setSpacing(40)
        self.faces: dict[int, Any] = {}
        for score, icon, key in FACES:
            # a tile: the face above its word, or beside it on a short panel (a HomeTile keeps the
            # face ≥ 48 px; as a plain tile it vanished at the largest text on 1280×800 and 1366×768)
            widget = HomeTile(ctx.tr(key), icon, "")
            widget.clicked.connect(lambda _c=False, s=score: self.rate(s))
            row.addWidget(widget, 1)
            self.faces[score] = widget
        self.root.addLayout(row, 3)  # the faces take the room: a tile's face grows into it
        self.root.addStretch(1)
        self.skip = button(ctx.tr("rating.skip"), "fa5s.forward", "", self.nav.home)
        self.root.addWidget(self.skip, 0, Qt.AlignmentFlag.AlignRight)
        self.thanks = label(ctx.tr("rating.thanks"), "h2", align=Qt.AlignmentFlag.AlignCenter)
        self.thanks.hide()
        self.root.addWidget(self.thanks)
        self.record: RequestRecord | None = None

    def enter(self, **params: Any) -> None:
        self.record = params.get("record", self.record)
        self.thanks.hide()
        for widget in self.faces.values():
            widget.setEnabled(True)

    def rate(self, score: int) -> None:
        station, record, actor = self.ctx.station, self.record, self.ctx.actor
        if station is None or record is None:
            self.nav.home()
            return
        for widget in self.faces.values():
            widget.setEnabled(False)
        self.ctx.db.run(
            lambda: station.requests.rate(record.id, score, actor),
            lambda _r: self._rated(),
            lambda _e: self.nav.home(),
        )

    def _rated(self) -> None:
        """The rating ends with a thank-you the resident can see and hear, then home."""
        self.thanks.show()
        self.ctx.say(self.thanks.text())
        QTimer.singleShot(THANKS_MS, self._thanked)

    def _thanked(self) -> None:
        if self.nav.current is self and self.thanks.isVisible():
            self.nav.home()

    def handle_intent(self, intent: str) -> bool:
        if intent == "yes":
            self.rate(5)
            return True
        if intent == "no":
            self.nav.home()
            return True
        return False

    def spoken_text(self) -> str:
        return self.title.text()
