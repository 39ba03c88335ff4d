"""The locked start screen: a closed padlock, "请志愿者输入驿站密码" and the passphrase field.

Nothing personal is readable until a volunteer unlocks; YIZHAN_PASSPHRASE unlocks automatically
(demo, tests)."""

from __future__ import annotations

import os
import threading
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLineEdit

from ui import session
from ui.navigator import ScreenKey
from ui.screens.base import Screen
from ui.tasks import while_alive
from ui.widgets import IconHeading, button, label, set_text


class LockedScreen(Screen):
    screen_name = "locked"

    def __init__(self, ctx: Any, nav: Any) -> None:
        super().__init__(ctx, nav)
        self.root.addStretch(1)
        # what it waits for, under a closed padlock (not "正在启动": nothing is starting)
        self.title = label(ctx.tr("locked.waiting"), "h1", align=Qt.AlignmentFlag.AlignCenter)
        self.head = IconHeading("fa5s.lock", "", 120, ctx.tr("locked.padlock"), self.title)
        self.padlock = self.head.icon
        self.hint = label(ctx.tr("locked.why"), "", align=Qt.AlignmentFlag.AlignCenter)
        self.root.addWidget(self.head)
        self.root.addWidget(self.hint)
        row = QHBoxLayout()
        row.setSpacing(20)
        row.addStretch(1)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName(ctx.tr("locked.passphrase"))
        self.passphrase.setPlaceholderText(ctx.tr("locked.passphrase"))
        self.passphrase.setMinimumWidth(620)
        self.passphrase.returnPressed.connect(self.try_unlock)
        self.unlock_button = button(ctx.tr("locked.unlock"), "fa5s.unlock", "primary", self.try_unlock)
        row.addWidget(self.passphrase)
        row.addWidget(self.unlock_button)
        row.addStretch(1)
        self.root.addLayout(row)
        self.message = label("", "error", align=Qt.AlignmentFlag.AlignCenter)
        self.message.hide()
        self.root.addWidget(self.message, 0, Qt.AlignmentFlag.AlignHCenter)
        self.root.addStretch(2)
        self._auto_tried = False

    def set_short(self, short: bool) -> None:
        """When the roomy shape would scroll: the padlock beside the words, not above them."""
        self.head.set_compact(short)

    def enter(self, **params: Any) -> None:
        # Reading the settings imports the station's database and crypto modules, so the DB worker
        # starts on it only once the event loop has come round, when this screen is on screen. It is
        # queued now, so the worker counts as busy from here on (whoever waits for it, waits for the
        # settings too); an unlock with YIZHAN_PASSPHRASE queues behind it.
        painted = threading.Event()
        QTimer.singleShot(0, painted.set)
        session.load_public(self.ctx, self._public, after=painted)
        env = os.environ.get("YIZHAN_PASSPHRASE")
        if env and not self._auto_tried and not self.ctx.no_auto_unlock:
            self._auto_tried = True
            self._unlock(env)

    def _public(self, values: dict[str, Any]) -> None:
        if values and self.ctx.station is None:
            self.ctx.settings = values
            if "locale" in values and not self.ctx.locale_forced:
                self.ctx.locale = str(values["locale"])
            window = self.window()
            if hasattr(window, "retranslate"):
                window.retranslate()

    def try_unlock(self) -> None:
        text = self.passphrase.text()
        if text:
            self._unlock(text)

    def _unlock(self, passphrase: str) -> None:
        self.unlock_button.setEnabled(False)
        set_text(self.title, self.ctx.tr("locked.opening"))
        session.unlock(
            self.ctx,
            passphrase,
            self._opened,
            self.show_failure,
            keep_locale=self.ctx.locale_forced,
            on_lost=while_alive(self.nav.relock),  # this screen is gone by then
        )
        # While the DB worker derives the key (scrypt, deliberately slow; it releases the GIL), the UI
        # thread builds the home screen it will show.
        QTimer.singleShot(0, self, self._prepare_home)

    def _prepare_home(self) -> None:
        if self.ctx.station is None:
            self.nav.prepare(ScreenKey.HOME)

    def _opened(self) -> None:
        self.passphrase.clear()
        self.unlock_button.setEnabled(True)
        self.nav.unlocked()

    def show_failure(self, message: str) -> None:
        """Locked still (or again): the passphrase field empty, why it did not open shown."""
        self.passphrase.clear()
        self.unlock_button.setEnabled(True)
        set_text(self.title, self.ctx.tr("locked.waiting"))
        set_text(self.message, message)
        self.message.show()

    def spoken_text(self) -> str:
        return self.ctx.tr("locked.waiting")
