"""Screens as a typed registry and a Navigator over a QStackedWidget (Anki's DialogManager style).

`REGISTRY` maps each `ScreenKey` to "module:Class"; screens are imported and built on first use, so
start-up loads only the locked and home screens. `Navigator.go(key, **params)` shows a screen and
remembers where we came from; `back()` asks the screen first (a service flow steps back within
itself); `home()` wipes every screen's in-progress input.
"""

from __future__ import annotations

import importlib
import logging
import time
from enum import StrEnum
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QSizePolicy, QStackedWidget, QWidget

from ui.context import UiContext
from ui.theme import COMPACT

log = logging.getLogger(__name__)


class ScreenKey(StrEnum):
    LOCKED = "locked"
    HOME = "home"
    SERVICE = "service"
    RECEIPT = "receipt"
    RATING = "rating"
    MY_REQUESTS = "my_requests"
    NOTICES = "notices"
    HELP = "help"
    PIN = "pin"
    STAFF = "staff"
    STAFF_LIST = "staff_list"
    RESIDENT_FORM = "resident_form"
    ADMIN_SETTINGS = "admin_settings"
    ADMIN_VOLUNTEERS = "admin_volunteers"
    CONSULT = "consult"
    CONSULT_FLOW = "consult_flow"
    CONSULT_DONE = "consult_done"


REGISTRY: dict[ScreenKey, str] = {
    ScreenKey.LOCKED: "ui.screens.locked:LockedScreen",
    ScreenKey.HOME: "ui.screens.home:HomeScreen",
    ScreenKey.SERVICE: "ui.screens.flow:ServiceScreen",
    ScreenKey.RECEIPT: "ui.screens.receipt:ReceiptScreen",
    ScreenKey.RATING: "ui.screens.receipt:RatingScreen",
    ScreenKey.MY_REQUESTS: "ui.screens.my_requests:MyRequestsScreen",
    ScreenKey.NOTICES: "ui.screens.notices:NoticesScreen",
    ScreenKey.HELP: "ui.screens.help:HelpScreen",
    ScreenKey.PIN: "ui.screens.pin:PinScreen",
    ScreenKey.STAFF: "ui.screens.staff:StaffHomeScreen",
    ScreenKey.STAFF_LIST: "ui.screens.staff_lists:StaffListScreen",
    ScreenKey.RESIDENT_FORM: "ui.screens.resident_form:ResidentFormScreen",
    ScreenKey.ADMIN_SETTINGS: "ui.screens.admin:SettingsScreen",
    ScreenKey.ADMIN_VOLUNTEERS: "ui.screens.admin:VolunteersScreen",
    ScreenKey.CONSULT: "ui.screens.consult:ConsultScreen",
    ScreenKey.CONSULT_FLOW: "ui.screens.consult:ConsultFlowScreen",
    ScreenKey.CONSULT_DONE: "ui.screens.consult:ConsultDoneScreen",
}
# Screens a resident may reach without a volunteer; the others need ctx.staff.
STAFF_ONLY = {
    ScreenKey.STAFF,
    ScreenKey.STAFF_LIST,
    ScreenKey.RESIDENT_FORM,
    ScreenKey.ADMIN_SETTINGS,
    ScreenKey.ADMIN_VOLUNTEERS,
}


class Navigator(QObject):
    changed = Signal(object)  # the Screen now shown

    def __init__(self, ctx: UiContext, stack: QStackedWidget) -> None:
        super().__init__(stack)
        self.ctx = ctx
        self.stack = stack
        self._screens: dict[ScreenKey, Any] = {}
        self._built_in: dict[ScreenKey, str] = {}  # the locale each screen's words were built in
        self._prepared: set[ScreenKey] = set()  # screens drawn ahead (prepare) and not shown since
        self._history: list[tuple[ScreenKey, dict[str, Any]]] = []
        self.current_key: ScreenKey | None = None
        self.last_transition_ms = 0.0
        # set by the window: asks "要放弃这次办理吗？" and runs the callback on 是 (None: no window)
        self.ask_abandon: Any = None

    def screen(self, key: ScreenKey) -> Any:
        """The (cached) screen for `key`, built on first use."""
        if key not in self._screens:
            module_name, class_name = REGISTRY[key].split(":")
            cls = getattr(importlib.import_module(module_name), class_name)
            widget = cls(self.ctx, self)
            widget.setProperty("page", True)
            # A screen never makes the window taller than the display: at the largest text size
            # it is laid out within the window (its scroll areas scroll) instead of growing it.
            widget.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
            compact = self.ctx.sizes is COMPACT
            widget.fit_margins(24 if compact else 40, 8 if compact else 16)
            self._screens[key] = widget
            self._built_in[key] = self.ctx.locale
            self.stack.addWidget(widget)
        return self._screens[key]

    def prepare(self, key: ScreenKey) -> None:
        """Build `key` now without showing it, styled, laid out and drawn once at the stack's size, so
        showing it later costs only its paint (the kiosk builds home while the locked screen waits for the
        passphrase: desktop/launch.py). Nothing of a station is read: a screen's `enter` does that."""
        screen = self.screen(key)
        if screen.isVisible() or key in self._prepared:
            return  # once is enough: showing it lays it out again for the size it then gets
        self._prepared.add(key)
        screen.resize(self.stack.size())
        # Drawn once into a pixmap that is thrown away: styled, laid out (its resize events sent,
        # the tiles' icons fitted) and its words' glyphs rasterised, as showing it would.
        screen.grab()

    def unlocked(self) -> None:
        """The station was just opened: home. Screens built while locked (the locked screen, a home
        prepared during unlock) are kept if their words are in the station's language, else built anew;
        the locked screen goes."""
        stale = [key for key, locale in self._built_in.items() if locale != self.ctx.locale]
        self._drop([key for key in stale if key != ScreenKey.LOCKED])
        self.home()
        # The locked screen goes once home is current: removed while it was on show, the stack would
        # first show (lay out, polish) another page in its place, then home.
        if ScreenKey.LOCKED in self._screens:
            self._drop([ScreenKey.LOCKED])  # never shown again unless the unlock is undone (relock)

    def relock(self, message: str) -> None:
        """The unlock was undone after home was shown (its transaction failed and the station is
        closed: ui/session.py): every screen goes, the locked screen comes back saying why."""
        self.ctx.station = None
        self._drop(list(self._screens))
        screen = self.go(ScreenKey.LOCKED, remember=False)
        screen.show_failure(message)

    @property
    def current(self) -> Any:
        return self._screens.get(self.current_key) if self.current_key else None

    def go(self, key: ScreenKey, *, remember: bool = True, **params: Any) -> Any:
        started = time.perf_counter()
        if key in STAFF_ONLY and self.ctx.staff is None:
            key, params = ScreenKey.PIN, {}
        if self.ctx.station is None and key not in (ScreenKey.LOCKED, ScreenKey.PIN):
            key, params = ScreenKey.LOCKED, {}
        screen = self.screen(key)
        if remember and self.current_key is not None and self.current_key != key:
            self._history.append((self.current_key, {}))
        self.current_key = key
        screen.enter(**params)
        self.stack.setCurrentWidget(screen)
        self.last_transition_ms = (time.perf_counter() - started) * 1000
        log.info("screen %s (%.0f ms)", key.value, self.last_transition_ms)  # the key only: no input
        self.changed.emit(screen)
        return screen

    def back(self) -> None:
        current = self.current
        if current is not None and current.on_back():
            return
        while self._history:
            key, _ = self._history.pop()
            if key != self.current_key and key not in (ScreenKey.LOCKED, ScreenKey.PIN):
                self.go(key, remember=False, resume=True)
                return
        self.home()

    def home(self) -> None:
        """Back to the start, wiping any half-filled form (also used by the idle reset)."""
        for screen in self._screens.values():
            screen.reset()
        self._history.clear()
        self.go(ScreenKey.HOME if self.ctx.station is not None else ScreenKey.LOCKED, remember=False)

    def rebuild(self) -> None:
        """Drop every screen (after a locale change) and show the start again."""
        self._drop(list(self._screens))
        self.home()

    def _drop(self, keys: list[ScreenKey]) -> None:
        for key in keys:
            screen = self._screens.pop(key)
            del self._built_in[key]
            self._prepared.discard(key)
            screen.reset()
            self.stack.removeWidget(screen)
            screen.deleteLater()
        if keys:
            self._history.clear()
        if self.current_key in keys:
            self.current_key = None

    def built(self) -> list[QWidget]:
        return list(self._screens.values())
