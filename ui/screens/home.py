"""Home: a greeting and one large tile per catalogue service (icon + short label), with the tall
一键呼叫 tile on the right (below the tiles on a portrait screen). Tiles come from the catalogue, in
its order; the number of columns follows the width, so no tile is cropped on a small panel."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QFontMetrics, QResizeEvent
from PySide6.QtWidgets import QBoxLayout, QGridLayout, QHBoxLayout

from models.catalogue import Service
from ui.navigator import ScreenKey
from ui.screens.base import Screen
from ui.screens.home_tile import HomeTile
from ui.widgets import button, label

COLUMNS = 4  # at most
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
        self.row = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.row.setSpacing(24)
        self.grid = QGridLayout()
        self.grid.setSpacing(24)
        self.tiles: dict[str, HomeTile] = {}
        self.service_tiles: list[HomeTile] = []
        for service in (s for s in ctx.catalogue.services if s.kind != "urgent"):
            tile = HomeTile(ctx.pick(service.title), service.icon, service.color)
            tile.setAccessibleDescription(ctx.pick(service.prompt))
            tile.clicked.connect(lambda _c=False, s=service: self.open_service(s))
            self.tiles[service.id] = tile
            self.service_tiles.append(tile)
        self.columns = 0
        self._place_tiles(COLUMNS)
        self.row.addLayout(self.grid, 4)
        self.urgent_tile: HomeTile | None = None
        urgent = next((s for s in ctx.catalogue.services if s.kind == "urgent"), None)
        if urgent is not None:
            tile = HomeTile(
                ctx.pick(urgent.title), urgent.icon, "", "urgent", subtitle=ctx.tr("home.urgent_hint")
            )
            tile.clicked.connect(lambda _c=False: self.nav.go(ScreenKey.HELP, reason="urgent"))
            self.row.addWidget(tile, 1)
            self.tiles[urgent.id] = tile
            self.urgent_tile = tile
        self.root.addLayout(self.row, 1)

    def fit_margins(self, side: int, vertical: int) -> None:
        """On a compact panel the tiles stand closer and keep less air inside, so three rows of
        English tiles at the largest text still leave their icons room on a 1280×800 panel."""
        super().fit_margins(side, vertical)
        compact = side < 40
        self.row.setSpacing(12 if compact else 24)
        self.grid.setSpacing(12 if compact else 24)
        for tile in self.tiles.values():
            tile.set_margins(8 if compact else 18)

    def _place_tiles(self, columns: int) -> None:
        if columns == self.columns:
            return
        self.columns = columns
        for tile in self.service_tiles:
            self.grid.removeWidget(tile)
        for column in range(COLUMNS):
            self.grid.setColumnStretch(column, 1 if column < columns else 0)
        rows = -(-len(self.service_tiles) // columns)
        for row in range(COLUMNS * 2):
            self.grid.setRowStretch(row, 1 if row < rows else 0)
        for index, tile in enumerate(self.service_tiles):
            self.grid.addWidget(tile, index // columns, index % columns)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Portrait: 一键呼叫 goes below the tiles. Columns: as many as keep each label whole."""
        super().resizeEvent(event)
        portrait = self.height() > self.width()
        self.row.setDirection(
            QBoxLayout.Direction.TopToBottom if portrait else QBoxLayout.Direction.LeftToRight
        )
        if self.urgent_tile is not None:
            self.row.setStretchFactor(self.urgent_tile, 1)
            self.row.setStretchFactor(self.grid, 3 if portrait else 4)
        margins = self.root.contentsMargins()
        width = self.width() - margins.left() - margins.right()
        grid_width = width if portrait else width * 4 // 5
        # a tile must hold its longest word plus its padding (fit_icon makes the icon fit the height);
        # a Chinese title has no spaces, so it counts whole (and is short)
        widest = 0
        for tile in self.service_tiles:
            tile.text_label.ensurePolished()
            metrics = QFontMetrics(tile.text_label.font())
            text = tile.text_label.text()
            widest = max(widest, *(metrics.horizontalAdvance(w) for w in text.split() or [""]))
        need = widest + 32  # the tile's side margins (12 + 12) and borders
        columns = COLUMNS
        while columns > 2 and (grid_width - self.grid.spacing() * (columns - 1)) // columns < need:
            columns -= 1
        self._place_tiles(columns)

    def switch_language(self, locale: str) -> None:
        # Deferred: switching rebuilds every screen, this one included, so not from inside its click.
        QTimer.singleShot(0, lambda: self.ctx.set_locale(locale))

    def enter(self, **params: Any) -> None:
        hour = dt.datetime.now().hour
        part = "morning" if hour < 12 else "afternoon" if hour < 18 else "evening"
        # "也可以直接说出来" only when recognition is really running for this language
        voice = "_voice" if self.ctx.voice_running and self.ctx.voice_on else ""
        text = self.ctx.tr(f"home.greeting.{part}{voice}")
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
