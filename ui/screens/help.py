"""一键呼叫 and 请志愿者帮忙: one touch stores an urgent help record locally (no network needed), sounds
the chime, and says "已通知志愿者，请稍候" with the emergency numbers 110 and 120."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout

from models.requests import RequestRecord
from ui.chime import CHIME_PLAYER
from ui.screens.base import Screen
from ui.widgets import icon_label, label, set_text


class HelpScreen(Screen):
    screen_name = "help"

    def __init__(self, ctx: Any, nav: Any) -> None:
        super().__init__(ctx, nav)
        self.root.addStretch(1)
        self.root.addWidget(icon_label("fa5s.phone-volume", "#8E0B0B", 130, ctx.tr("help.called")))
        self.title = label("", "h1", align=Qt.AlignmentFlag.AlignCenter)
        self.detail = label("", "", align=Qt.AlignmentFlag.AlignCenter)
        self.root.addWidget(self.title)
        self.root.addWidget(self.detail)
        numbers = QHBoxLayout()
        numbers.setSpacing(40)
        numbers.addStretch(1)
        for number, key in (("110", "help.police"), ("120", "help.ambulance")):
            box = label(f"{ctx.tr(key)}\n{number}", "card", align=Qt.AlignmentFlag.AlignCenter)
            box.setProperty("role", "card")
            box.setMinimumWidth(420)
            box.setAccessibleName(f"{ctx.tr(key)} {number}")
            numbers.addWidget(box)
        numbers.addStretch(1)
        self.root.addLayout(numbers)
        self.code = label("", "muted", align=Qt.AlignmentFlag.AlignCenter)
        self.root.addWidget(self.code)
        self.root.addStretch(2)
        self.record: RequestRecord | None = None

    def enter(self, **params: Any) -> None:
        if params.get("resume"):
            return
        urgent = params.get("reason", "urgent") == "urgent"
        set_text(self.title, self.ctx.tr("help.calling"))
        set_text(self.detail, self.ctx.tr("help.wait"))
        self.code.hide()
        station, actor = self.ctx.station, self.ctx.actor
        if station is None:
            return
        if params.get("preview"):  # the tour shows the screen without calling anyone
            set_text(self.title, self.ctx.tr("help.called"))
            return
        note = "" if urgent else f"assist:{params.get('where', '')}"
        CHIME_PLAYER.play(float(self.ctx.settings.get("tts_volume", 0.9)))
        self.ctx.db.run(lambda: station.requests.help_call(actor, note=note, urgent=urgent), self._stored, self._failed)

    def _stored(self, record: RequestRecord) -> None:
        self.record = record
        set_text(self.title, self.ctx.tr("help.called"))
        set_text(self.code, self.ctx.tr("help.code", code=record.receipt_code))
        self.code.show()
        self.ctx.say(self.spoken_text())

    def _failed(self, exc: BaseException) -> None:
        # Even if the record could not be stored, the resident must not be left without guidance.
        set_text(self.title, self.ctx.tr("help.store_failed"))

    def spoken_text(self) -> str:
        return f"{self.title.text()} {self.detail.text()}"
