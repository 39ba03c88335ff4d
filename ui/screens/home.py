"""Home: a greeting and one large tile per catalogue service (icon + short label), with the tall
一键呼叫 tile always on the right. Tiles come from the catalogue, in its order."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtWidgets import QGridLayout, QHBoxLayout

from models.catalogue import Service
from ui.navigator import ScreenKey
from ui.screens.base import Screen
from ui.widgets import TileButton, label

COLUMNS = 4


class HomeScreen(Screen):
    screen_name = "home"

    def __init__(self, ctx: Any, nav: Any) -> None:
        super().__init__(ctx, nav)
        self.greeting = label("", "h2")
        self.root.addWidget(self.greeting)
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

    def enter(self, **params: Any) -> None:
        hour = dt.datetime.now().hour
        part = "morning" if hour < 12 else "afternoon" if hour < 18 else "evening"
        text = self.ctx.tr(f"home.greeting.{part}")
        self.greeting.setText(text)
        self.greeting.setAccessibleName(text)

    def open_service(self, service: Service) -> None:
        if service.kind == "urgent":
            self.nav.go(ScreenKey.HELP, reason="urgent")
        elif service.id == "notices" or (service.kind == "screen" and not service.steps):
            self.nav.go(ScreenKey.NOTICES)
        else:
            self.nav.go(ScreenKey.SERVICE, service=service.id)

    def handle_intent(self, intent: str) -> bool:
        try:
            service = self.ctx.catalogue.get(intent)
        except KeyError:
            return False
        self.open_service(service)
        return True

    def spoken_text(self) -> str:
        return self.greeting.text()
