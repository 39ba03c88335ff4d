"""The kiosk window: header (station name, date, sync status strip), the screen stack, the voice strip
(what voice heard or asks, why it is off, 按住说话), the bottom bar (返回 · 首页 · 字号 · 语音 ·
请志愿者帮忙) present on every screen, the idle card, theme application, and routing of voice intents.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QGridLayout,
    QLayout,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ui import i18n
from ui.ask import AskCard
from ui.context import UiContext
from ui.idle import IdleCard, IdleWatcher
from ui.navigator import Navigator, ScreenKey
from ui.ports import SyncStatus
from ui.tap_guard import TapGuard
from ui.theme import COMPACT, PALETTES, pick_family, qpalette, sizes_for, stylesheet
from ui.voice_panel import VoicePanel
from ui.weak import weak_method
from ui.widgets import LongPressLabel, apply_icons, button, label, least_height, set_role, set_text

if TYPE_CHECKING:
    from ui.keyboard import KeyboardDock

STATUS_REFRESH_MS = 10_000
CLOCK_MS = 5_000  # the minute shown turns over at most 5 s late
MARGIN = {False: 40, True: 24}  # window side margins, px: regular / compact screens
# Voice states in which recognition is not running: the greeting must not invite speech then.
NOT_LISTENING = {"none", "off", "loading", "error", "no_model", "no_microphone", "disabled", "unsupported"}


class KioskWindow(QWidget):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.allow_close = ctx.windowed
        self.setObjectName("shell")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setWindowTitle("Yizhan 便民驿站")
        outer = QVBoxLayout(self)
        # The screen decides the window's size, never its content: with the default constraint a
        # layout that is briefly too wide (English at the largest text, before the bottom bar and
        # tiles reflow for the width they get) made the window grow past a 1280-px panel for good.
        outer.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        self.header = self._build_header()
        outer.addWidget(self.header)
        self.stack = QStackedWidget()
        outer.addWidget(self.stack, 1)
        self.voice_panel = VoicePanel(ctx)
        self.voice_panel.hide()  # shown once the station is unlocked (voice listens only then)
        self.voice_panel.status_shown.connect(self._voice_status)
        outer.addWidget(self.voice_panel)
        self.bottom_bar = self._build_bottom_bar()
        outer.addWidget(self.bottom_bar)
        self.nav = Navigator(ctx, self.stack)
        self.nav.changed.connect(self._on_screen)
        self.tap_guard = TapGuard(self)
        self.nav.changed.connect(lambda _screen: self.tap_guard.screen_changed())
        # weakly: the navigator keeping the window alive would tie their wrappers into a cycle
        self.nav.ask_abandon = weak_method(self.ask_abandon, None)
        self.idle = IdleWatcher(self)
        self.idle_card = IdleCard(self)
        self.ask_card = AskCard(self)
        self.idle.warn.connect(self._on_idle_warn)
        self.idle.expired.connect(self.wipe_and_home)
        self.idle_card.resume.connect(self._on_idle_resume)
        ctx.changed.connect(self._on_ctx_changed)
        ctx.voice.connect_intents(self.on_intent)
        self._status_timer = QTimer(self)
        self._status_timer.setInterval(STATUS_REFRESH_MS)
        self._status_timer.timeout.connect(self.refresh_status)
        self._clock = QTimer(self)
        self._clock.setInterval(CLOCK_MS)
        self._clock.timeout.connect(self._tick)
        self._clock.start()  # the header clock ticks from the first paint
        QShortcut(QKeySequence("Ctrl+Alt+V"), self, self.open_staff)
        self.apply_theme()
        self.retranslate()
        # The on-screen keyboard for every text field, docked on the first event-loop turn: its module
        # is not needed to paint the locked screen (≈ 18 ms of CPU before the first paint).
        self.keyboard_dock: KeyboardDock | None = None
        QTimer.singleShot(0, self, self._install_keyboard)
        self.nav.go(ScreenKey.LOCKED, remember=False)

    def _install_keyboard(self) -> None:
        from ui import keyboard

        if self.keyboard_dock is None:
            self.keyboard_dock = keyboard.install(self, self.ctx)

    # -- layout ----------------------------------------------------------------------------
    def _build_header(self) -> QFrame:
        frame = QFrame()
        frame.setObjectName("header")
        self.header_grid = QGridLayout(frame)
        self.header_grid.setContentsMargins(40, 18, 40, 4)
        self.header_grid.setHorizontalSpacing(24)
        self.header_grid.setVerticalSpacing(0)
        self.name_label = LongPressLabel()
        self.name_label.setProperty("role", "h1")
        self.name_label.setWordWrap(True)
        self.name_label.long_pressed.connect(self.open_staff)
        self.date_label = label("", "offline", wrap=False)
        self.status_label = label("", "offline", wrap=False)
        # A demo station says so on every screen (published passphrase and PINs, generated residents).
        self.demo_label = label("演示", "offline", name="演示驿站 demo station", wrap=False)
        self.demo_label.hide()
        self.staff_exit = button("", "fa5s.sign-out-alt", "", self.sign_out)
        self.staff_exit.hide()
        self._header_layout: tuple[bool, bool] | None = None
        self._arrange_header(False)
        return frame

    def _arrange_header(self, stacked: bool) -> None:
        """Name, date and status in one row; on compact screens date above status, beside the name.

        A name too long for one line beside the date and status (a long station name at the largest
        text on a portrait kiosk) gets the header's first row to itself: wrapped beside them it broke
        inside a word ("幸福村便民服务驿 / 站").
        """
        layout = (stacked, stacked and not self._name_fits_beside())
        if layout == self._header_layout:
            return
        self._header_layout = layout
        grid = self.header_grid
        for widget in (self.name_label, self.staff_exit, self.date_label, self.status_label, self.demo_label):
            grid.removeWidget(widget)
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if layout[1]:  # the name above; sign-out, date and status below it
            grid.addWidget(self.name_label, 0, 0, 1, 3)
            grid.addWidget(self.demo_label, 0, 4)
            grid.addWidget(self.staff_exit, 1, 1, 2, 1)
            grid.addWidget(self.date_label, 1, 2, 1, 3, right)
            grid.addWidget(self.status_label, 2, 2, 1, 3, right)
        else:
            grid.addWidget(self.name_label, 0, 0, 2 if stacked else 1, 1)
            grid.addWidget(self.demo_label, 0, 4, 2 if stacked else 1, 1)  # 演示 on a demo station
            grid.addWidget(self.staff_exit, 0, 1, 2 if stacked else 1, 1)
            if stacked:
                grid.addWidget(self.date_label, 0, 2, right)
                grid.addWidget(self.status_label, 1, 2, right)
            else:
                grid.addWidget(self.date_label, 0, 2)
                grid.addWidget(self.status_label, 0, 3)
        grid.setColumnStretch(0, 1)

    def _name_fits_beside(self) -> bool:
        """Whether the station name fits on one line beside the stacked date and status."""
        margins = self.header_grid.contentsMargins()
        spacing = self.header_grid.horizontalSpacing()
        room = self.width() - margins.left() - margins.right() - spacing
        room -= max(self.date_label.sizeHint().width(), self.status_label.sizeHint().width())
        for extra in (self.staff_exit, self.demo_label):
            if not extra.isHidden():
                room -= extra.sizeHint().width() + spacing
        self.name_label.ensurePolished()  # its h1 font comes from the stylesheet
        return self.name_label.fontMetrics().horizontalAdvance(self.name_label.text()) <= room

    def _build_bottom_bar(self) -> QFrame:
        frame = QFrame()
        frame.setObjectName("bottombar")
        self.bar_grid = QGridLayout(frame)
        self.bar_grid.setContentsMargins(40, 8, 40, 24)
        self.bar_grid.setSpacing(20)
        self.back_button = button("", "fa5s.arrow-left", "bar", self.go_back)
        self.home_button = button("", "fa5s.home", "bar", self.ask_home)
        self.size_button = button("", "fa5s.text-height", "bar", self.cycle_text_size)
        self.voice_button = button("", "fa5s.microphone", "bar", self.toggle_voice)
        self.help_button = button("", "fa5s.hands-helping", "bar", self.ask_for_help)
        self.bar_buttons = (
            self.back_button,
            self.home_button,
            self.size_button,
            self.voice_button,
            self.help_button,
        )
        self._bar_rows = 0
        return frame

    def _arrange_bar(self) -> None:
        """One row of five when every word fits, else two rows (three above two), never a cut word."""
        grid = self.bar_grid
        margins = grid.contentsMargins()
        room = self.width() - margins.left() - margins.right()
        hints = [b.sizeHint().width() for b in self.bar_buttons]
        rows = 1 if sum(hints) + grid.horizontalSpacing() * 4 <= room else 2
        if rows == self._bar_rows:
            if rows == 1:
                for index, hint in enumerate(hints):
                    grid.setColumnStretch(index, hint)
            return
        self._bar_rows = rows
        for widget in self.bar_buttons:
            grid.removeWidget(widget)
        for column in range(6):
            grid.setColumnStretch(column, 0)
        if rows == 1:  # each as wide as its words ask, the spare room shared out alike
            for index, (widget, hint) in enumerate(zip(self.bar_buttons, hints, strict=True)):
                grid.addWidget(widget, 0, index)
                grid.setColumnStretch(index, hint)
        else:  # a 6-column grid: three buttons of two columns above two of three
            for index, widget in enumerate(self.bar_buttons[:3]):
                grid.addWidget(widget, 0, index * 2, 1, 2)
            for index, widget in enumerate(self.bar_buttons[3:]):
                grid.addWidget(widget, 1, index * 3, 1, 3)
            for column in range(6):
                grid.setColumnStretch(column, 1)

    def _fit_to_window(self) -> None:
        """Pick the size set for this window (regular or compact) and lay out header and bar for it."""
        sizes = sizes_for(self.width(), self.height())
        compact = sizes is COMPACT
        if sizes != self.ctx.sizes:
            self.ctx.sizes = sizes
            self.apply_theme()
        side = MARGIN[compact]
        self.header_grid.setContentsMargins(side, 12 if compact else 18, side, 4)
        self.bar_grid.setContentsMargins(side, 12, side, 12 if compact else 24)  # ≥ 10 px from the screen
        self.bar_grid.setSpacing(sizes.gap + 4)
        for screen in self.nav.built():
            screen.fit_margins(side, 8 if compact else 16)  # type: ignore[attr-defined]
        self._arrange_header(compact)
        self._bar_rows = 0
        self._arrange_bar()

    # -- words, theme, status ------------------------------------------------------------
    def retranslate(self) -> None:
        ctx = self.ctx
        name = str(ctx.settings.get("station_name") or ctx.tr("station.default_name"))
        set_text(self.name_label, name, ctx.tr("a11y.station_name", name=name))
        self.demo_label.setVisible(bool(ctx.settings.get("demo")))
        set_text(self.back_button, ctx.tr("bar.back"))
        set_text(self.home_button, ctx.tr("bar.home"))
        set_text(self.size_button, ctx.tr("bar.size", level=ctx.tr(f"size.{ctx.scale_index}")))
        voice_word = (
            "bar.voice_off"
            if not ctx.voice_on
            else "bar.voice_on"
            if ctx.voice_running
            else "bar.voice_not_running"
        )
        set_text(self.voice_button, ctx.tr(voice_word))
        self.voice_button.setProperty(
            "icon_name", "fa5s.microphone" if ctx.voice_on else "fa5s.microphone-slash"
        )
        set_text(self.help_button, ctx.tr("bar.help"))
        set_text(self.staff_exit, ctx.tr("staff.sign_out"))
        self.voice_panel.retranslate()
        self._tick()
        self.show_status(ctx.last_status)
        apply_icons(self, PALETTES[ctx.theme], ctx.scale)
        self._bar_rows = 0
        self._arrange_bar()

    def _voice_status(self, available: bool, state: str, message: str) -> None:
        """The voice layer's status, once the strip shows it: the greeting and the 语音 button follow
        it, so nothing invites speaking while recognition is not really running."""
        running = bool(available) and state not in NOT_LISTENING
        if running != self.ctx.voice_running:
            self.ctx.voice_running = running
            self.retranslate()
            if self.nav.current_key == ScreenKey.HOME and self.nav.current is not None:
                self.nav.current.enter()

    def _tick(self) -> None:
        now = dt.datetime.now()
        text = f"{i18n.long_date(self.ctx.locale, now.date())}  {i18n.short_time(self.ctx.locale, now)}"
        set_text(self.date_label, text)

    def apply_theme(self) -> None:
        ctx = self.ctx
        app = QApplication.instance()
        css = stylesheet(PALETTES[ctx.theme], ctx.scale, pick_family(ctx.locale), ctx.sizes)
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
        words = [
            ctx.tr("status.online" if status.online else "status.offline"),
            ctx.tr("status.waiting", n=status.waiting),
        ]
        if status.last_success is not None:
            words.append(ctx.tr("status.last_sync", time=i18n.short_time(ctx.locale, status.last_success)))
        set_text(self.status_label, " · ".join(words))
        set_role(self.status_label, "online" if status.online else "offline")
        if self._header_layout is not None:  # a longer status or name may want the name's own row
            self._arrange_header(self._header_layout[0])

    # -- bottom bar actions -------------------------------------------------------------------
    def in_service(self) -> bool:
        """A service with answers or typed input that leaving would throw away."""
        screen = self.nav.current
        return bool(self.nav.current_key == ScreenKey.SERVICE and screen is not None and screen.in_progress())

    def ask_abandon(self, on_yes: Any = None) -> None:
        """ "要放弃这次办理吗？" 是 / 不是 — big and spoken; 是 wipes everything and goes home."""
        self.ask_card.ask(self.ctx, self.ctx.tr("ask.abandon"), on_yes or self.wipe_and_home)

    def go_back(self) -> None:
        """返回: within a service a step back; off its first step (home) only after asking."""
        screen = self.nav.current
        leaving = self.nav.current_key == ScreenKey.SERVICE and screen is not None and screen.index == 0
        if leaving and self.in_service():
            self.ask_abandon()
        else:
            self.nav.back()

    def wipe_and_home(self) -> None:
        """The next resident starts clean: form, audio, language, text size — and any volunteer or
        admin session ends, so nobody reaches the staff area afterwards without a PIN."""
        self.idle_card.hide()
        self.ask_card.hide()
        if self.ctx.staff is not None or self.ctx.assist:
            self.ctx.staff = None
            self.ctx.assist = False
            self.ctx.changed.emit("staff")
        self.ctx.reset_audio()
        station_locale = str(self.ctx.settings.get("locale", self.ctx.locale))
        if not self.ctx.locale_forced and self.ctx.locale != station_locale:
            self.ctx.set_locale(station_locale)  # the next resident starts in the station's language
        if self.ctx.scale_index != self.ctx.default_scale_index():
            self.ctx.set_scale_index(self.ctx.default_scale_index())
        self.nav.home()

    def ask_home(self) -> None:
        if self.in_service():
            self.ask_abandon()
        else:
            self.wipe_and_home()

    def cycle_text_size(self) -> None:
        self.ctx.set_scale_index(self.ctx.scale_index + 1)

    def toggle_voice(self) -> None:
        self.ctx.set_voice_on(not self.ctx.voice_on)

    def ask_for_help(self) -> None:
        """请志愿者帮忙: a volunteer comes over; the caller's name travels with it when known."""
        current = self.nav.current_key
        resident = getattr(self.nav.current, "resident", None)
        self.nav.go(
            ScreenKey.HELP,
            reason="assist",
            where=str(current or ""),
            resident_id=getattr(resident, "id", None),
        )

    def open_staff(self) -> None:
        self.nav.go(ScreenKey.STAFF if self.ctx.staff else ScreenKey.PIN)

    def sign_out(self) -> None:
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
        elif what in ("voice", "settings_kept"):
            self.retranslate()
        elif what == "station":
            self.retranslate()
            self.refresh_status()
            self._status_timer.start()
            self.idle.configure(
                int(self.ctx.settings.get("idle_seconds", 120)),
                int(self.ctx.settings.get("idle_grace_seconds", 30)),
            )
        elif what == "submitted":
            self.refresh_status()
        elif what == "staff":
            self.staff_exit.setVisible(self.ctx.staff is not None)
            self.retranslate()

    def _on_screen(self, screen: Any) -> None:
        locked = self.ctx.station is None
        # icons first: their size counts in the height the screen needs (fit_voice_panel)
        apply_icons(screen, PALETTES[self.ctx.theme], self.ctx.scale)
        self.voice_panel.screen_changed()
        self.fit_voice_panel()
        for widget in (self.back_button, self.home_button, self.help_button):
            widget.setEnabled(not locked)
        self.back_button.setEnabled(not locked and self.nav.current_key != ScreenKey.HOME)
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
        if page is not None and hasattr(page, "fit_shape"):
            page.fit_shape(self.screen_room())  # its shorter shape first, if the roomy one won't fit
        if self.ctx.station is None or page is None:
            panel.setVisible(False)
            return
        room = self.screen_room()
        content = getattr(page, "body", page)  # a screen's content, not its (shrinkable) scroll area
        need = least_height(content, content.width())  # wrapped words included
        panel.setVisible(need + panel.sizeHint().height() <= room)

    def screen_room(self) -> int:
        """The height a screen has between the header and the bottom bar with the voice strip aside."""
        header, bar = self.header.height(), self.bottom_bar.height()
        return (
            self.height()
            - max(header, self.header.minimumSizeHint().height())
            - max(bar, self.bottom_bar.minimumSizeHint().height())
        )

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
        if self.ask_card.isVisible():
            if intent in ("yes", "no"):
                self.ask_card.answer(intent == "yes")
            return
        if screen is not None and screen.handle_intent(intent):
            return
        if intent == "back":
            self.nav.back()
        elif intent == "home":
            self.ask_home()
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
        self._status_timer.stop()
        self._clock.stop()
        self.idle.set_active(False)
        self.tap_guard.remove()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.idle)

    def dispose(self) -> None:
        """Destroy the window and every widget in it now, on the UI thread (after `shutdown()` and
        after the DB worker has stopped, so no late result reaches a screen). Left to Python, the
        window's wrapper could be freed by the cyclic collector on any thread (issue 16)."""
        if shiboken6.isValid(self):
            shiboken6.delete(self)

    def on_dictation(self, text: str) -> None:
        """Free dictation from the voice layer goes into the text step on screen, for checking."""
        page = getattr(self.nav.current, "page", None)
        if page is not None and hasattr(page, "set_dictated"):
            page.set_dictated(text)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._fit_to_window()
        self.idle_card.setGeometry(self.rect())
        self.ask_card.setGeometry(self.rect())
        self.fit_voice_panel()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.allow_close:
            event.accept()
        else:
            event.ignore()  # kiosk mode: only an admin can exit (staff screen)
