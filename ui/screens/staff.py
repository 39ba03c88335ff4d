"""Volunteer and admin home: big buttons to today's requests, help calls, missing check-ins,
records waiting for review, resident registration, sync, assist mode; admins also get settings,
volunteers, the audit log and export, and may exit the kiosk."""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtWidgets import QApplication, QGridLayout, QSizePolicy

from ui.navigator import ScreenKey
from ui.screens.base import Screen
from ui.theme import PALETTES
from ui.widgets import apply_icons, button, label, set_text

VOLUNTEER_ITEMS = (
    ("today", "fa5s.list", "staff.today"),
    ("help", "fa5s.bell", "staff.help"),
    ("checkins", "fa5s.user-clock", "staff.checkins"),
    ("quarantine", "fa5s.exclamation-triangle", "staff.quarantine"),
    ("resident", "fa5s.user-plus", "staff.resident"),
    ("sync", "fa5s.sync", "staff.sync"),
    ("assist", "fa5s.keyboard", "staff.assist"),
)
ADMIN_ITEMS = (
    ("settings", "fa5s.cog", "admin.settings"),
    ("volunteers", "fa5s.users", "admin.volunteers"),
    ("audit", "fa5s.shield-alt", "admin.audit"),
    ("exit", "fa5s.power-off", "admin.exit"),
)


class StaffHomeScreen(Screen):
    screen_name = "staff"

    def __init__(self, ctx: Any, nav: Any) -> None:
        super().__init__(ctx, nav)
        self.title = label("", "h1")
        self.root.addWidget(self.title)
        self.grid = QGridLayout()
        self.grid.setSpacing(24)
        self.root.addLayout(self.grid, 1)
        self.buttons: dict[str, Any] = {}
        self._role = ""

    def enter(self, **params: Any) -> None:
        staff = self.ctx.staff
        if staff is None:
            return
        set_text(
            self.title, self.ctx.tr("staff.title", name=staff.name, role=self.ctx.tr(f"role.{staff.role}"))
        )
        self._build(staff.role)  # each time: the columns follow the window and the text size

    def _build(self, role: str) -> None:
        self.clear_layout(self.grid)
        self.buttons.clear()
        items = VOLUNTEER_ITEMS + (ADMIN_ITEMS if role == "admin" else ())
        widgets = []
        for key, icon, text_key in items:
            widget = button(self.ctx.tr(text_key), icon, "option", partial(self.open, key))
            widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
            widget.setProperty("tall", True)
            widgets.append(widget)
            self.buttons[key] = widget
        for widget in widgets:  # icons first: they count in the width each button asks for
            apply_icons(widget, PALETTES[self.ctx.theme], self.ctx.scale)
        # as many columns (three at most) as keep the longest label whole: two on small panels with
        # big text, one on a portrait screen with the largest English text
        room = self.window().width() - 2 * self.root.contentsMargins().left()
        for widget in widgets:
            widget.ensurePolished()
        widest = max(w.sizeHint().width() for w in widgets)
        columns = next(
            (n for n in (3, 2) if widest * n + self.grid.spacing() * (n - 1) <= room),
            1,
        )
        for index, widget in enumerate(widgets):
            self.grid.addWidget(widget, index // columns, index % columns)
        self._role = role

    def open(self, key: str) -> None:
        if key == "resident":
            self.nav.go(ScreenKey.RESIDENT_FORM)
        elif key == "assist":
            self.ctx.assist = True
            self.ctx.changed.emit("staff")
            self.nav.home()
        elif key == "settings":
            self.nav.go(ScreenKey.ADMIN_SETTINGS)
        elif key == "volunteers":
            self.nav.go(ScreenKey.ADMIN_VOLUNTEERS)
        elif key == "exit":
            card = getattr(self.window(), "ask_card", None)
            if card is None:
                self.exit_now()
            else:  # a kiosk that quits by accident leaves the village without it: ask first
                card.ask(
                    self.ctx,
                    self.ctx.tr("admin.exit_ask"),
                    self.exit_now,
                    yes=self.ctx.tr("admin.exit_yes"),
                    no=self.ctx.tr("admin.exit_no"),
                )
        else:
            self.nav.go(ScreenKey.STAFF_LIST, kind=key)

    def exit_now(self) -> None:
        window = self.window()
        window.allow_close = True  # type: ignore[attr-defined]
        app = QApplication.instance()
        if app is not None:
            app.quit()

    def reset(self) -> None:
        self._role = "" if self.ctx.staff is None else self._role

    def spoken_text(self) -> str:
        return self.title.text()
