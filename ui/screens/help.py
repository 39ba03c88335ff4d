"""一键呼叫 and 请志愿者帮忙: one touch stores a help record locally (no network needed), sounds the
chime, and then says only what is true:

- offline (or no hub joined): this kiosk is ringing here, and the call reaches the centre when the
  network is back;
- online: "正在通知服务中心……" until the hub acknowledges the call (HELP_ACK), then "服务中心已收到".

For ten seconds a "按错了，取消" button undoes a mistaken call: the call is kept and a cancellation
record referring to it is stored and synced (nothing is deleted). Pressing again within five
minutes joins the same call instead of making a new record. Only 一键呼叫 (urgent) shows the
emergency numbers 110 and 120; 请志愿者帮忙 just brings a volunteer over.
"""

from __future__ import annotations

import time
import weakref
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QBoxLayout, QHBoxLayout, QLabel, QWidget

from models.requests import RequestRecord
from ui.chime import CHIME_PLAYER
from ui.screens.base import Screen
from ui.widgets import IconHeading, button, label, set_text

CANCEL_S = 10  # "按错了，取消" is offered this long
JOIN_S = 300  # pressing again within this long joins the call already made
POLL_MS = 2000  # how often the screen looks whether the hub has acknowledged the call
HUB_STATES = {"SENT", "RECEIVED", "IN_PROGRESS", "DONE"}
# The last call per kiosk (its UI context), with the station it was stored in: (monotonic time,
# record, urgent). Kept beside the screen, not in it: a language switch rebuilds every screen, and a
# second press after switching to Korean made a second call at the centre.
_LAST_CALLS: weakref.WeakKeyDictionary[Any, tuple[Any, tuple[float, RequestRecord, bool]]] = (
    weakref.WeakKeyDictionary()
)


class HelpScreen(Screen):
    screen_name = "help"

    def __init__(self, ctx: Any, nav: Any) -> None:
        super().__init__(ctx, nav)
        self.root.addStretch(1)
        self.title = label("", "h1", align=Qt.AlignmentFlag.AlignCenter)
        self.head = IconHeading("fa5s.phone-volume", "#8E0B0B", 130, ctx.tr("help.title"), self.title)
        self.detail = label("", "", align=Qt.AlignmentFlag.AlignCenter)
        self.root.addWidget(self.head)
        self.root.addWidget(self.detail)
        self.numbers = QWidget()
        numbers = QHBoxLayout(self.numbers)
        numbers.setSpacing(40)
        numbers.addStretch(1)
        self.number_boxes: list[tuple[QLabel, str, str]] = []
        for number, key in (("110", "help.police"), ("120", "help.ambulance")):
            box = label(f"{ctx.tr(key)}\n{number}", "card", align=Qt.AlignmentFlag.AlignCenter)
            box.setMinimumWidth(260)
            box.setAccessibleName(f"{ctx.tr(key)} {number}")
            numbers.addWidget(box)
            self.number_boxes.append((box, ctx.tr(key), number))
        numbers.addStretch(1)
        self.root.addWidget(self.numbers)
        # the call's number above 按错了，取消; side by side on a short panel
        self.call_row = QBoxLayout(QBoxLayout.Direction.TopToBottom)
        self.call_row.setSpacing(20)
        self.code = label("", "muted", align=Qt.AlignmentFlag.AlignCenter)
        self.call_row.addWidget(self.code)
        self.cancel_button = button(
            ctx.tr("help.cancel"), "fa5s.undo", "", self.cancel_call, whole_words=True
        )
        self.cancel_button.setProperty("tall", True)
        self.call_row.addWidget(self.cancel_button, 0, Qt.AlignmentFlag.AlignHCenter)
        self.root.addLayout(self.call_row)
        self.root.addStretch(2)
        self.record: RequestRecord | None = None
        self.urgent = True
        self.cancelled = False
        self._cancel_timer = QTimer(self)
        self._cancel_timer.setSingleShot(True)
        self._cancel_timer.timeout.connect(self.cancel_button.hide)
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._check)
        self.cancel_button.hide()

    def set_short(self, short: bool) -> None:
        """The short shape, when the roomy one would scroll (1280×800 at the largest English text
        scrolled by 239 px): the phone beside the heading, each emergency number on one line, the
        call's number beside 按错了，取消."""
        self.head.set_compact(short)
        for box, what, number in self.number_boxes:
            box.setText(f"{what}{'  ' if short else chr(10)}{number}")
            box.setWordWrap(not short)  # one line: the box as wide as its words
        self.call_row.setDirection(
            QBoxLayout.Direction.LeftToRight if short else QBoxLayout.Direction.TopToBottom
        )

    def enter(self, **params: Any) -> None:
        if params.get("resume"):
            return
        self.urgent = params.get("reason", "urgent") == "urgent"
        self.numbers.setVisible(self.urgent)  # 请志愿者帮忙 is no emergency: no 110 / 120
        self.cancelled = False
        self.cancel_button.hide()
        self.code.hide()
        set_text(self.title, self.ctx.tr("help.calling"))
        set_text(self.detail, "")
        station, actor = self.ctx.station, self.ctx.actor
        if station is None:
            return
        if params.get("preview"):  # the tour shows the screen without calling anyone
            self.record = None
            self._show_state(None)
            return
        if params.get("record") is not None:  # already stored (平安签到 "我不太好")
            CHIME_PLAYER.play(float(self.ctx.settings.get("tts_volume", 0.9)))
            self._stored(params["record"])
            return
        last = self._last_call
        if last is not None and time.monotonic() - last[0] < JOIN_S and last[1].acknowledged_at is None:
            # pressed again: the same call, rung again here, not a second record at the centre
            self.record = last[1]
            self.urgent = self.urgent or last[2]
            self.numbers.setVisible(self.urgent)
            CHIME_PLAYER.play(float(self.ctx.settings.get("tts_volume", 0.9)))
            self._stored(last[1], joined=True)
            return
        note = "" if self.urgent else f"assist:{params.get('where', '')}"
        resident_id = params.get("resident_id")
        urgent = self.urgent
        CHIME_PLAYER.play(float(self.ctx.settings.get("tts_volume", 0.9)))
        self.ctx.db.run(
            lambda: station.requests.help_call(actor, resident_id, note=note, urgent=urgent),
            self._stored,
            self._failed,
        )

    @property
    def _last_call(self) -> tuple[float, RequestRecord, bool] | None:
        station, last = _LAST_CALLS.get(self.ctx, (None, None))
        return last if station is not None and station is self.ctx.station else None

    @_last_call.setter
    def _last_call(self, value: tuple[float, RequestRecord, bool] | None) -> None:
        if value is None:
            _LAST_CALLS.pop(self.ctx, None)
        else:
            _LAST_CALLS[self.ctx] = (self.ctx.station, value)

    def _stored(self, record: RequestRecord, joined: bool = False) -> None:
        self.record = record
        if not joined:
            self._last_call = (time.monotonic(), record, self.urgent)
            self.ctx.changed.emit("submitted")
            self.cancel_button.show()
            self._cancel_timer.start(CANCEL_S * 1000)
        set_text(self.code, self.ctx.tr("help.code", code=record.receipt_code))
        self.code.show()
        self._show_state(record)
        self.refit_later()  # the call's number and 按错了，取消 arrived after the screen was shown
        self._poll.start()
        self.ctx.say(self.spoken_text())

    def _show_state(self, record: RequestRecord | None) -> None:
        """What is true now: ringing here only, being sent, or received by the centre."""
        online = self.ctx.last_status.online
        acked = record is not None and (record.acknowledged_at is not None or record.state in HUB_STATES)
        if acked:
            title, detail = "help.received", "help.received_detail"
        elif online:
            title, detail = "help.sending", "help.ringing_here"
        else:
            title, detail = "help.ringing", "help.offline_detail"
        set_text(self.title, self.ctx.tr(title))
        set_text(self.detail, self.ctx.tr(detail))

    def _check(self) -> None:
        station, record = self.ctx.station, self.record
        if station is None or record is None or self.cancelled or self.nav.current is not self:
            self._poll.stop()
            return
        self.ctx.db.run(lambda: station.requests.get(record.id), self._refreshed, lambda _e: None)

    def _refreshed(self, record: RequestRecord) -> None:
        if self.record is not None and record.id == self.record.id and not self.cancelled:
            before = self.title.text()
            self.record = record
            if self._last_call is not None and self._last_call[1].id == record.id:
                self._last_call = (self._last_call[0], record, self._last_call[2])
            self._show_state(record)
            if self.title.text() != before:
                self.ctx.say(self.title.text())

    def cancel_call(self) -> None:
        """按错了: the call stays on record, a cancellation referring to it is stored (and synced),
        and it leaves the volunteers' list of open calls."""
        station, record, actor = self.ctx.station, self.record, self.ctx.actor
        if station is None or record is None or self.cancelled:
            return
        self.cancelled = True
        self._cancel_timer.stop()
        self.cancel_button.hide()
        self._poll.stop()
        self._last_call = None

        def op() -> None:
            station.requests.submit(
                "help_cancel", {"request_id": record.id}, actor, resident_id=record.resident_id
            )
            station.requests.acknowledge_help(record.id, actor)

        self.ctx.db.run(op, lambda _r: self._cancelled(), self._failed)

    def _cancelled(self) -> None:
        set_text(self.title, self.ctx.tr("help.cancelled"))
        set_text(self.detail, self.ctx.tr("help.cancelled_detail"))
        self.numbers.hide()
        self.ctx.say(self.title.text())

    def _failed(self, exc: BaseException) -> None:
        # Even if the record could not be stored, the resident must not be left without guidance.
        set_text(self.title, self.ctx.tr("help.store_failed"))

    def reset(self) -> None:
        self._poll.stop()
        self._cancel_timer.stop()
        self.cancel_button.hide()

    def spoken_text(self) -> str:
        return f"{self.title.text()} {self.detail.text()}"
