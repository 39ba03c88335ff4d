"""Home: a greeting and one large tile per catalogue service (icon + short label), with the tall
一键呼叫 tile always on the right. Tiles come from the catalogue, in its order."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QGridLayout, QHBoxLayout

from models.catalogue import Service
from ui.navigator import ScreenKey
from ui.screens.base import Screen
from ui.widgets import TileButton, button, label

COLUMNS = 4
LANGUAGES = (("zh_CN", "中文"), ("en", "English"), ("ko", "한국어"))


class HomeScreen(Screen):
    screen_name = "home"

    def __init__(self, ctx: Any, nav: Any) -> None:
        super().__init__(ctx, nav)
        self.greeting = label("", "h2")
        top = QHBoxLayout()
        top.addWidget(self.greeting, 1)
        # Each language named in itself, so a resident who reads only that one can still find it.
        for code, name in LANGUAGES:
            if code != ctx.locale:
                top.addWidget(button(name, "fa5s.globe-asia", "", partial(self.switch_language, code)))
        self.root.addLayout(top)
        from ui.screens.consult import ConsultTile

        self.consult_tile = ConsultTile(ctx, nav)  # shown only while a consultation is open
        self.root.addWidget(self.consult_tile)
        row = QHBoxLayout()
        row.setSpacing(28)
        grid = QGridLayout()
        grid.setSpacing(28)
        self.tiles: dict[str, TileButton] = {}
        services = [s for s in ctx.catalogue.services if s.kind != "urgent"]
        for index, service in enumerate(services):
            tile = TileButton(ctx.pick(service.title), service.icon, service.color)
            tile.setAccessibleDescription(ctx.pick(service.prompt))
            tile.clicked.connect(lambda _c=False, s=service: self.open_service(s))
            grid.addWidget(tile, index // COLUMNS, index % COLUMNS)
            self.tiles[service.id] = tile
        row.addLayout(grid, 4)
        urgent = next((s for s in ctx.catalogue.services if s.kind == "urgent"), None)
        if urgent is not None:
            tile = TileButton(ctx.pick(urgent.title), urgent.icon, "", "urgent", subtitle=ctx.tr("home.urgent_hint"))
            tile.clicked.connect(lambda _c=False: self.nav.go(ScreenKey.HELP, reason="urgent"))
            row.addWidget(tile, 1)
            self.tiles[urgent.id] = tile
        self.root.addLayout(row, 1)

    def switch_language(self, locale: str) -> None:
        # Deferred: switching rebuilds every screen, this one included, so not from inside its click.
        QTimer.singleShot(0, lambda: self.ctx.set_locale(locale))

    def enter(self, **params: Any) -> None:
        hour = dt.datetime.now().hour
        part = "morning" if hour < 12 else "afternoon" if hour < 18 else "evening"
        text = self.ctx.tr(f"home.greeting.{part}")
        self.greeting.setText(text)
        self.greeting.setAccessibleName(text)
        self.consult_tile.refresh()

    def open_service(self, service: Service) -> None:
        if service.kind == "urgent":
            self.nav.go(ScreenKey.HELP, reason="urgent")
        elif service.id == "notices" or (service.kind == "screen" and not service.steps):
            self.nav.go(ScreenKey.NOTICES)
        else:
            self.nav.go(ScreenKey.SERVICE, service=service.id)

    def handle_intent(self, intent: str) -> bool:
        if intent == "consult" and self.consult_tile.isVisible():
            self.nav.go(ScreenKey.CONSULT)
            return True
        try:
            service = self.ctx.catalogue.get(intent)
        except KeyError:
            return False
        self.open_service(service)
        return True

    def spoken_text(self) -> str:
        return self.greeting.text()
