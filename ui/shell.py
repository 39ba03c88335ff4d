"""The kiosk window: header (station name, date, sync status strip), the screen stack, the voice strip
(what voice heard or asks, why it is off, 按住说话), the bottom bar (返回 · 首页 · 字号 · 语音 ·
请志愿者帮忙) present on every screen, the idle card, theme application, and routing of voice intents.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QFrame, QHBoxLayout, QStackedWidget, QVBoxLayout, QWidget

from ui import i18n, keyboard
from ui.context import UiContext
from ui.gc_guard import UiThreadGarbageCollector
from ui.idle import IdleCard, IdleWatcher
from ui.navigator import Navigator, ScreenKey
from ui.ports import SyncStatus
from ui.theme import PALETTES, pick_family, qpalette, stylesheet
from ui.voice_panel import VoicePanel
from ui.widgets import LongPressLabel, apply_icons, button, label, set_text

STATUS_REFRESH_MS = 10_000
GLOBAL_INTENTS = ("back", "home", "help_call", "repeat", "louder", "slower")


class KioskWindow(QWidget):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self._gc = UiThreadGarbageCollector(self)
        self.ctx = ctx
        self.allow_close = ctx.windowed
        self.setObjectName("shell")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setWindowTitle("Yizhan 便民驿站")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        self.header = self._build_header()
        outer.addWidget(self.header)
        self.stack = QStackedWidget()
        outer.addWidget(self.stack, 1)
        self.voice_panel = VoicePanel(ctx)
        self.voice_panel.hide()  # shown once the station is unlocked (voice listens only then)
        outer.addWidget(self.voice_panel)
        self.bottom_bar = self._build_bottom_bar()
        outer.addWidget(self.bottom_bar)
        self.nav = Navigator(ctx, self.stack)
        self.nav.changed.connect(self._on_screen)
        self.idle = IdleWatcher(self)
        self.idle_card = IdleCard(self)
        self.idle.warn.connect(self._on_idle_warn)
        self.idle.expired.connect(self.wipe_and_home)
        self.idle_card.resume.connect(self._on_idle_resume)
        ctx.changed.connect(self._on_ctx_changed)
        ctx.voice.connect_intents(self.on_intent)
        self._status_timer = QTimer(self)
        self._status_timer.setInterval(STATUS_REFRESH_MS)
        self._status_timer.timeout.connect(self.refresh_status)
        self._clock = QTimer(self)
        self._clock.setInterval(30_000)
        self._clock.timeout.connect(self._tick)
        QShortcut(QKeySequence("Ctrl+Alt+V"), self, self.open_staff)
        self.apply_theme()
        self.retranslate()
        self.keyboard_dock = keyboard.install(self, ctx)  # on-screen keyboard for every text field
        self.nav.go(ScreenKey.LOCKED, remember=False)

    # -- layout ----------------------------------------------------------------------------
    def _build_header(self) -> QFrame:
        frame = QFrame()
        frame.setObjectName("header")
        row = QHBoxLayout(frame)
        row.setContentsMargins(40, 18, 40, 4)
        row.setSpacing(24)
        self.name_label = LongPressLabel()
        self.name_label.setProperty("role", "h1")
        self.name_label.long_pressed.connect(self.open_staff)
        self.date_label = label("", "offline", wrap=False)
        self.status_label = label("", "offline", wrap=False)
        self.staff_exit = button("", "fa5s.sign-out-alt", "", self.sign_out)
        self.staff_exit.hide()
        row.addWidget(self.name_label, 1)
        row.addWidget(self.staff_exit)
        row.addWidget(self.date_label)
        row.addWidget(self.status_label)
        return frame

    def _build_bottom_bar(self) -> QFrame:
        frame = QFrame()
        frame.setObjectName("bottombar")
        row = QHBoxLayout(frame)
        row.setContentsMargins(40, 8, 40, 24)
        row.setSpacing(20)
        self.back_button = button("", "fa5s.arrow-left", "bar", lambda: self.nav.back())
        self.home_button = button("", "fa5s.home", "bar", self.wipe_and_home)
        self.size_button = button("", "fa5s.text-height", "bar", self.cycle_text_size)
        self.voice_button = button("", "fa5s.microphone", "bar", self.toggle_voice)
        self.help_button = button("", "fa5s.hands-helping", "bar", self.ask_for_help)
        for widget in (self.back_button, self.home_button, self.size_button, self.voice_button, self.help_button):
            row.addWidget(widget, 1)
        return frame

    # -- words, theme, status ------------------------------------------------------------
    def retranslate(self) -> None:
        ctx = self.ctx
        name = str(ctx.settings.get("station_name") or ctx.tr("station.default_name"))
        set_text(self.name_label, name, ctx.tr("a11y.station_name", name=name))
        set_text(self.back_button, ctx.tr("bar.back"))
        set_text(self.home_button, ctx.tr("bar.home"))
        set_text(self.size_button, ctx.tr("bar.size", level=ctx.tr(f"size.{ctx.scale_index}")))
        set_text(self.voice_button, ctx.tr("bar.voice_on" if ctx.voice_on else "bar.voice_off"))
        self.voice_button.setProperty("icon_name", "fa5s.microphone" if ctx.voice_on else "fa5s.microphone-slash")
        set_text(self.help_button, ctx.tr("bar.help"))
        set_text(self.staff_exit, ctx.tr("staff.sign_out"))
        self.voice_panel.retranslate()
        self._tick()
        self.show_status(ctx.last_status)
        apply_icons(self, PALETTES[ctx.theme], ctx.scale)

    def _tick(self) -> None:
        now = dt.datetime.now()
        text = f"{i18n.long_date(self.ctx.locale, now.date())}  {i18n.short_time(self.ctx.locale, now)}"
        set_text(self.date_label, text)

    def apply_theme(self) -> None:
        ctx = self.ctx
        app = QApplication.instance()
        css = stylesheet(PALETTES[ctx.theme], ctx.scale, pick_family(ctx.locale))
        if isinstance(app, QApplication):
            app.setPalette(qpalette(PALETTES[ctx.theme]))
            app.setStyleSheet(css)
        self.voice_panel.apply_theme()
        apply_icons(self, PALETTES[ctx.theme], ctx.scale)

    def refresh_status(self) -> None:
        if self.ctx.station is None:
            return
        self.ctx.db.run(self.ctx.sync_status, self.show_status, lambda _exc: None)

    def show_status(self, status: SyncStatus) -> None:
        ctx = self.ctx
        ctx.last_status = status
        words = [ctx.tr("status.online" if status.online else "status.offline"),
                 ctx.tr("status.waiting", n=status.waiting)]
        if status.last_success is not None:
            words.append(ctx.tr("status.last_sync", time=i18n.short_time(ctx.locale, status.last_success)))
        set_text(self.status_label, " · ".join(words))
        self.status_label.setProperty("role", "online" if status.online else "offline")
        self.status_label.style().polish(self.status_label)

    # -- bottom bar actions -------------------------------------------------------------------
    def wipe_and_home(self) -> None:
        self.idle_card.hide()
        self.ctx.reset_audio()
        station_locale = str(self.ctx.settings.get("locale", self.ctx.locale))
        if not self.ctx.locale_forced and self.ctx.locale != station_locale:
            self.ctx.set_locale(station_locale)  # the next resident starts in the station's language
        if self.ctx.scale_index != self.ctx.default_scale_index():
            self.ctx.set_scale_index(self.ctx.default_scale_index())
        self.nav.home()

    def cycle_text_size(self) -> None:
        self.ctx.set_scale_index(self.ctx.scale_index + 1)

    def toggle_voice(self) -> None:
        self.ctx.set_voice_on(not self.ctx.voice_on)

    def ask_for_help(self) -> None:
        current = self.nav.current_key
        self.nav.go(ScreenKey.HELP, reason="assist", where=str(current or ""))

    def open_staff(self) -> None:
        self.nav.go(ScreenKey.STAFF if self.ctx.staff else ScreenKey.PIN)

    def sign_out(self) -> None:
        self.ctx.staff = None
        self.ctx.assist = False
        self.ctx.changed.emit("staff")
        self.wipe_and_home()

    # -- reactions ------------------------------------------------------------------------------
    def _on_ctx_changed(self, what: str) -> None:
        if what in ("scale", "theme"):
            self.apply_theme()
            self.retranslate()
            self.fit_voice_panel()
        elif what in ("locale", "settings"):
            self.apply_theme()
            self.retranslate()
            self.nav.rebuild()
        elif what == "voice":
            self.retranslate()
        elif what == "station":
            self.retranslate()
            self.refresh_status()
            self._status_timer.start()
            self.idle.configure(int(self.ctx.settings.get("idle_seconds", 120)),
                                int(self.ctx.settings.get("idle_grace_seconds", 30)))
        elif what == "staff":
            self.staff_exit.setVisible(self.ctx.staff is not None)
            self.retranslate()

    def _on_screen(self, screen: Any) -> None:
        locked = self.ctx.station is None
        self.voice_panel.screen_changed()
        self.fit_voice_panel()
        for widget in (self.back_button, self.home_button, self.help_button):
            widget.setEnabled(not locked)
        self.back_button.setEnabled(not locked and self.nav.current_key != ScreenKey.HOME)
        apply_icons(screen, PALETTES[self.ctx.theme], self.ctx.scale)
        focused = QApplication.focusWidget()
        if focused is not None and not self.ctx.assist:
            focused.clearFocus()  # touch kiosk: no stray focus ring until a keyboard is used
        # Voice tables are built just after the screen is painted (the voice package is slow to import).
        QTimer.singleShot(0, lambda: self._update_voice(screen))
        self.ctx.say(screen.spoken_text())
        self.idle.set_active(not locked and self.nav.current_key != ScreenKey.HOME)
        if self.nav.current_key == ScreenKey.HOME:
            self.refresh_status()

    def fit_voice_panel(self) -> None:
        """Show the voice strip when the station is open and the screen on show still fits beside it.
        At the largest text sizes a tall screen (the ID keypad) needs the room: the strip then steps
        aside rather than squeeze its buttons together (the voice layer still speaks its questions)."""
        page = self.stack.currentWidget()
        panel = self.voice_panel
        if self.ctx.station is None or page is None:
            panel.setVisible(False)
            return
        header, bar = self.header.height(), self.bottom_bar.height()
        room = self.height() - max(header, self.header.minimumSizeHint().height()) - max(
            bar, self.bottom_bar.minimumSizeHint().height())
        panel.setVisible(page.minimumSizeHint().height() + panel.sizeHint().height() <= room)

    def refresh_voice(self) -> None:
        """Tell a newly plugged voice port about the screen on show now."""
        if self.nav.current is not None:
            self._update_voice(self.nav.current)

    def _update_voice(self, screen: Any) -> None:
        if screen is self.nav.current and self.ctx.station is not None:
            self.ctx.voice.set_screen(screen.voice_screen_id(), self.ctx.locale, screen.voice_intents())

    def _on_idle_warn(self) -> None:
        self.idle_card.show_card(self.ctx, self.idle.grace_seconds)
        self.ctx.say(self.ctx.tr("idle.title"))

    def _on_idle_resume(self) -> None:
        self.idle.restart()

    def on_intent(self, intent: str) -> None:
        """A recognised voice intent: the screen's own first, then the global commands."""
        self.voice_panel.keep_heard = True  # the words stay shown on the screen they lead to
        try:
            self._act_on_intent(intent)
        finally:
            self.voice_panel.keep_heard = False

    def _act_on_intent(self, intent: str) -> None:
        screen = self.nav.current
        if self.idle_card.isVisible():
            self.idle_card.resume.emit()
            self.idle_card.hide()
            return
        if screen is not None and screen.handle_intent(intent):
            return
        if intent == "back":
            self.nav.back()
        elif intent == "home":
            self.wipe_and_home()
        elif intent == "help_call":
            self.nav.go(ScreenKey.HELP, reason="urgent")
        elif intent == "repeat" and screen is not None:
            self.ctx.say(screen.spoken_text())
        elif intent == "louder":
            self.ctx.speech.set_volume(1.0)
        elif intent == "slower":
            self.ctx.speech.set_rate(max(120, int(self.ctx.settings.get("tts_rate", 160)) - 30))
        elif intent in {s.id for s in self.ctx.catalogue.services}:
            self.ctx.speech.stop()
            self.wipe_and_home()
            self.nav.current.handle_intent(intent)

    def shutdown(self) -> None:
        """Stop timers and the idle watcher (before the DB worker is shut down)."""
        self._gc.stop()
        self._status_timer.stop()
        self._clock.stop()
        self.idle.set_active(False)
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.idle)

    def on_dictation(self, text: str) -> None:
        """Free dictation from the voice layer goes into the text step on screen, for checking."""
        page = getattr(self.nav.current, "page", None)
        if page is not None and hasattr(page, "set_dictated"):
            page.set_dictated(text)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self.idle_card.setGeometry(self.rect())
        self.fit_voice_panel()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.allow_close:
            event.accept()
        else:
            event.ignore()  # kiosk mode: only an admin can exit (staff screen)
