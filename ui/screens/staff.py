"""Volunteer and admin home: big buttons to today's requests, help calls, missing check-ins,
records waiting for review, resident registration, sync, assist mode; admins also get settings,
volunteers, the audit log and export, and may exit the kiosk."""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtWidgets import QApplication, QGridLayout, QSizePolicy

from ui.navigator import ScreenKey
from ui.screens.base import Screen
from ui.widgets import button, label, set_text

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
        set_text(self.title, self.ctx.tr("staff.title", name=staff.name, role=self.ctx.tr(f"role.{staff.role}")))
        if staff.role != self._role:
            self._build(staff.role)

    def _build(self, role: str) -> None:
        self.clear_layout(self.grid)
        self.buttons.clear()
        items = VOLUNTEER_ITEMS + (ADMIN_ITEMS if role == "admin" else ())
        for index, (key, icon, text_key) in enumerate(items):
            widget = button(self.ctx.tr(text_key), icon, "option", partial(self.open, key))
            widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
            widget.setMinimumHeight(120)
            self.grid.addWidget(widget, index // 3, index % 3)
            self.buttons[key] = widget
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
            window = self.window()
            window.allow_close = True  # type: ignore[attr-defined]
            app = QApplication.instance()
            if app is not None:
                app.quit()
        else:
            self.nav.go(ScreenKey.STAFF_LIST, kind=key)

    def reset(self) -> None:
        self._role = "" if self.ctx.staff is None else self._role

    def spoken_text(self) -> str:
        return self.title.text()
