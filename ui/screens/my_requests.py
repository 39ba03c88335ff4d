"""我的办件: the identified resident's requests with a big status icon and word (已保存在本机 / 已上传 /
已受理 / 办理中 / 已办结 / 未通过), the hub's reply, and a 朗读 button on each."""

from __future__ import annotations

from functools import partial
from typing import Any

from models.requests import RequestRecord
from models.residents import ResidentRecord
from ui.screens.base import Screen
from ui.screens.lists import Card, CardList
from ui.widgets import label, set_text

STATUS_ICONS = {
    "saved_locally": ("fa5s.save", "#5B4A00"),
    "uploaded": ("fa5s.cloud-upload-alt", "#17406B"),
    "received": ("fa5s.inbox", "#17406B"),
    "in_progress": ("fa5s.hourglass-half", "#8A4B00"),
    "done": ("fa5s.check-circle", "#0B4A1C"),
    "rejected": ("fa5s.times-circle", "#8E0B0B"),
}


class MyRequestsScreen(Screen):
    screen_name = "my_requests"

    def __init__(self, ctx: Any, nav: Any) -> None:
        super().__init__(ctx, nav)
        self.title = label(ctx.tr("my.title"), "h1")
        self.who = label("", "muted")
        self.root.addWidget(self.title)
        self.root.addWidget(self.who)
        self.list = CardList()
        self.root.addWidget(self.list, 1)
        self.records: list[RequestRecord] = []
        self.resident: ResidentRecord | None = None

    def enter(self, **params: Any) -> None:
        resident = params.get("resident")
        if resident is None:
            return
        self.resident = resident
        set_text(self.who, self.ctx.tr("flow.who", name=resident.name, id=resident.masked_id))
        station = self.ctx.require_station()
        self.ctx.db.run(lambda: station.requests.for_resident(resident.id), self._show)

    def describe(self, record: RequestRecord) -> list[str]:
        service = (
            self.ctx.catalogue.get(record.service) if record.service in self.ctx.catalogue.ids() else None
        )
        title = self.ctx.pick(service.title) if service else record.service
        lines = [
            f"{self.ctx.tr('status.' + record.status_key)} · {title}",
            self.ctx.tr("my.line", code=record.receipt_code or "", date=f"{record.created_at:%Y-%m-%d}"),
        ]
        if record.reply:
            lines.append(self.ctx.tr("my.reply", reply=record.reply))
        return lines

    def _show(self, records: list[RequestRecord]) -> None:
        self.records = records
        cards = []
        for record in records:
            icon, color = STATUS_ICONS.get(record.status_key, ("fa5s.circle", ""))
            lines = self.describe(record)
            cards.append(
                Card(
                    lines,
                    icon,
                    color,
                    self.ctx.tr("status." + record.status_key),
                    [
                        (
                            self.ctx.tr("my.read_aloud"),
                            "fa5s.volume-up",
                            partial(self.ctx.say, " ".join(lines)),
                        )
                    ],
                )
            )
        self.list.set_cards(cards, self.ctx.tr("my.empty"))
        from ui.theme import PALETTES
        from ui.widgets import apply_icons

        apply_icons(self.list, PALETTES[self.ctx.theme], self.ctx.scale)

    def reset(self) -> None:
        self.records = []
        self.resident = None
        self.list.set_cards([], "")

    def spoken_text(self) -> str:
        return self.ctx.tr("my.title")
