"""Choices as big icon buttons: a catalogue `choose` step (one tap picks and moves on) and the
`date_slot` step (synced slots, or default slots for the next days marked "to be confirmed")."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from PySide6.QtWidgets import QGridLayout, QSizePolicy

from ui import i18n
from ui.queries import Slot, default_slots, slots_for
from ui.steps.base import StepPage
from ui.widgets import button, label, restyle, set_text


def _grid_button(text: str, icon: str, on_click: Any, icon_color: str = "") -> Any:
    widget = button(text, icon, "option", on_click, icon_color=icon_color)
    widget.setProperty("tall", True)
    widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
    return widget


class ChoosePage(StepPage):
    def __init__(self, ctx: Any, flow: Any, step: Any) -> None:
        super().__init__(ctx, flow, step)
        self.grid = QGridLayout()
        self.grid.setSpacing(24)
        self.options: dict[str, Any] = {}
        for option in step.options:
            self.options[option.id] = _grid_button(
                ctx.pick(option.label),
                option.icon,
                lambda o=option.id: self.pick(o),
                icon_color=flow.service.color,
            )
        self.columns = 0
        self._place(2 if len(step.options) <= 4 else 3)
        self.box.addLayout(self.grid, 1)
        self.box.addWidget(self.error)

    def pick(self, option_id: str) -> None:
        self.done.emit({self.step.id: option_id})

    def fit_room(self, height: int) -> None:
        super().fit_room(height)
        self.space(self.grid, 24)
        # Three columns for five or more choices, unless their words would not fit side by side
        # (English at the largest text on a small panel): then two, one row more.
        wanted = 2 if len(self.options) <= 4 else 3
        widest = max(b.sizeHint().width() for b in self.options.values())
        if wanted == 3 and 3 * widest + 2 * self.grid.spacing() > self.width():
            wanted = 2
        self._place(wanted)

    def _place(self, columns: int) -> None:
        if columns == self.columns:
            return
        self.columns = columns
        for widget in self.options.values():
            self.grid.removeWidget(widget)
        for index, widget in enumerate(self.options.values()):
            self.grid.addWidget(widget, index // columns, index % columns)

    def handle_intent(self, intent: str) -> bool:
        if intent in self.options:
            self.pick(intent)
            return True
        return False

    def spoken_text(self) -> str:
        labels = (
            "、".join(self.ctx.pick(o.label) for o in self.step.options)
            if self.ctx.locale == "zh_CN"
            else ", ".join(self.ctx.pick(o.label) for o in self.step.options)
        )
        return f"{self.title()} {labels}"


def slot_label(locale: str, slot: Slot) -> str:
    day = i18n.long_date(locale, slot.start.date())
    return i18n.tr(locale, "slot.label", day=day, start=f"{slot.start:%H:%M}", end=f"{slot.end:%H:%M}")


class DateSlotPage(StepPage):
    """One row per day: the day in words, then its times as buttons. Day and time on every button
    made each one two lines tall, and six of them did not fit a 1366×768 panel at the largest text."""

    def __init__(self, ctx: Any, flow: Any, step: Any) -> None:
        super().__init__(ctx, flow, step)
        self.note = label("", "muted")
        self.box.addWidget(self.note)
        self.grid = QGridLayout()
        self.grid.setSpacing(24)
        self.box.addLayout(self.grid)
        self.box.addStretch(1)
        self.box.addWidget(self.error)
        self.slots: list[Slot] = []
        self.buttons: list[Any] = []
        self.days: list[Any] = []

    def refresh(self) -> None:
        super().refresh()
        station = self.ctx.station
        if station is None:
            return
        service = self.flow.service.id
        option = next(
            (self.flow.fields.get(s.id) for s in self.flow.service.steps if s.kind == "choose"), None
        )
        today = dt.date.today()
        if not self.slots:
            # Until the database answers, the offline default slots (what it answers on a station
            # with none synced) hold their room, unseen: the step is fitted once, for the grid it
            # will show, instead of fitted empty and again (or scrolled) when the slots land.
            self._show(default_slots(today), held=True)
        self.ctx.db.run(lambda: slots_for(station, service, option, today), self._show)

    def _show(self, slots: list[Slot], held: bool = False) -> None:
        """Lay out `slots`, one row a day; `held`: laid out unseen, keeping their room only."""
        for widget in [*self.buttons, *self.days]:
            widget.hide()
            widget.deleteLater()
        self.buttons.clear()
        self.days.clear()
        self.slots = slots
        tentative = any(s.tentative for s in slots)
        set_text(self.note, self.ctx.tr("slot.tentative" if tentative else "slot.synced"))
        by_day: dict[dt.date, list[Slot]] = {}
        for slot in slots:
            by_day.setdefault(slot.start.date(), []).append(slot)
        for row, (day, day_slots) in enumerate(by_day.items()):
            words = label(i18n.long_date(self.ctx.locale, day), "tile")  # wraps on a portrait kiosk
            self.grid.addWidget(words, row, 0)
            self.days.append(words)
            for column, slot in enumerate(day_slots, start=1):
                widget = button(
                    f"{slot.start:%H:%M}–{slot.end:%H:%M}",
                    "fa5s.clock",
                    "option",
                    functools.partial(self.pick, slot),
                    name=slot_label(self.ctx.locale, slot).replace("\n", " "),  # day and time, read aloud
                    icon_color=self.flow.service.color,
                    whole_words=True,  # a portrait kiosk's narrow row cut "09:00–11:00"
                )
                widget.setProperty("tall", True)
                widget.setProperty("icon_px", 40)  # a word-sized clock: the times need the width
                widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
                self.grid.addWidget(widget, row, column)
                self.buttons.append(widget)
        from ui.theme import PALETTES
        from ui.widgets import apply_icons

        apply_icons(self, PALETTES[self.ctx.theme], self.ctx.scale)
        for widget in (self.note, *self.days, *self.buttons):
            policy = widget.sizePolicy()
            policy.setRetainSizeWhenHidden(held)
            widget.setSizePolicy(policy)
            widget.setVisible(not held)
        if held:
            self.slots = []  # nothing to pick yet
        self._short_key = None  # new buttons: their height is decided afresh at the next fit
        if self.room:
            self.fit_room(self.room)

    def fit_room(self, height: int) -> None:
        super().fit_room(height)
        self.space(self.grid, 24)
        # three days of tall time buttons scrolled at 1920×1080 with the largest text: then the
        # buttons take the ordinary height (still ≥ 64 px)
        self.fit_short(height, self._set_short)

    def _set_short(self, short: bool) -> None:
        for widget in self.buttons:
            if bool(widget.property("tall")) == short:
                widget.setProperty("tall", not short)
                restyle(widget)

    def pick(self, slot: Slot) -> None:
        self.done.emit(
            {
                self.step.id: {
                    "slot_id": slot.id,
                    "start": slot.start.isoformat(timespec="minutes"),
                    "end": slot.end.isoformat(timespec="minutes"),
                    "tentative": slot.tentative,
                }
            }
        )

    def spoken_text(self) -> str:
        if not self.slots:  # the database has not answered yet: no note to read out
            return self.title()
        return f"{self.title()} {self.note.text()}"
