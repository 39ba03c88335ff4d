"""通知公告: notices synced from the hub, newest first, each with a 朗读 button."""

from __future__ import annotations

from functools import partial
from typing import Any

from ui.queries import NoticeItem, current_notices
from ui.screens.base import Screen
from ui.screens.lists import Card, CardList
from ui.theme import PALETTES
from ui.widgets import apply_icons, label


class NoticesScreen(Screen):
    screen_name = "notices"

    def __init__(self, ctx: Any, nav: Any) -> None:
        super().__init__(ctx, nav)
        self.root.addWidget(label(ctx.pick(ctx.catalogue.get("notices").title), "h1"))
        self.list = CardList()
        self.root.addWidget(self.list, 1)
        self.items: list[NoticeItem] = []

    def enter(self, **params: Any) -> None:
        station, locale = self.ctx.require_station(), self.ctx.locale
        self.ctx.db.run(lambda: current_notices(station, locale), self._show)

    def _show(self, items: list[NoticeItem]) -> None:
        self.items = items
        cards = [
            Card(
                [item.title, item.body, f"{item.published_at:%Y-%m-%d}"],
                "fa5s.bullhorn",
                "#5B4A00",
                "",
                [
                    (
                        self.ctx.tr("my.read_aloud"),
                        "fa5s.volume-up",
                        partial(self.ctx.say, f"{item.title}。{item.body}"),
                    )
                ],
            )
            for item in items
        ]
        self.list.set_cards(cards, self.ctx.tr("notices.empty"))
        apply_icons(self.list, PALETTES[self.ctx.theme], self.ctx.scale)

    def spoken_text(self) -> str:
        return self.ctx.pick(self.ctx.catalogue.get("notices").prompt)
