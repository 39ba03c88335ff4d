"""The last decisions of a flow: consent to store and forward, the summary to confirm (read aloud
without ID digits), and the daily check-in's one huge "我今天很好" button."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QSpacerItem

from models.catalogue import Service
from models.residents import ResidentRecord
from ui.context import UiContext
from ui.queries import Slot
from ui.steps.base import StepPage
from ui.steps.choose import slot_label
from ui.theme import REGULAR
from ui.widgets import button, label, restyle, set_text


class ConsentPage(StepPage):
    def __init__(self, ctx: Any, flow: Any, step: Any) -> None:
        super().__init__(ctx, flow, step)
        self.text = label(ctx.tr("consent.text"), "card")
        self.box.addWidget(self.text)
        self.box.addStretch(1)
        row = QHBoxLayout()
        row.setSpacing(40)
        self.no = button(ctx.tr("consent.no"), "fa5s.times", "", self.flow.cancel)
        self.yes = button(ctx.tr("consent.yes"), "fa5s.check", "primary", self.agree)
        for widget in (self.no, self.yes):
            widget.setProperty("tall", True)
            row.addWidget(widget, 1)
        self.box.addLayout(row)

    def agree(self) -> None:
        self.done.emit({"consent": True, "consent_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")})

    def handle_intent(self, intent: str) -> bool:
        if intent == "yes":
            self.agree()
            return True
        if intent == "no":
            self.flow.cancel()
            return True
        return False

    def spoken_text(self) -> str:
        return f"{self.title()} {self.text.text()}"


def summary_lines(
    ctx: UiContext,
    service: Service,
    fields: dict[str, Any],
    resident: ResidentRecord | None,
    *,
    spoken: bool = False,
) -> list[str]:
    """What the resident is about to send, one line per answer. Spoken lines never carry ID digits."""
    lines = [ctx.tr("summary.service", name=ctx.pick(service.title))]
    for step in service.steps:
        value = fields.get(step.id)
        if step.kind == "identify" and resident is not None:
            who = resident.name if spoken else f"{resident.name}（{resident.masked_id}）"
            lines.append(ctx.tr("summary.resident", name=who))
        elif step.kind == "choose" and value:
            option = next((o for o in step.options if o.id == value), None)
            if option is not None:
                lines.append(f"{ctx.pick(step.title)} {ctx.pick(option.label)}")
        elif step.kind == "text" and value:
            lines.append(f"{ctx.tr('summary.text')}{value}")
        elif step.kind == "date_slot" and isinstance(value, dict):
            slot = Slot(
                value["slot_id"],
                dt.datetime.fromisoformat(value["start"]),
                dt.datetime.fromisoformat(value["end"]),
                bool(value.get("tentative")),
            )
            extra = ctx.tr("summary.tentative") if slot.tentative else ""
            lines.append(ctx.tr("summary.slot", slot=slot_label(ctx.locale, slot)) + extra)
        elif step.kind == "photo":
            lines.append(ctx.tr("summary.photo_yes" if value else "summary.photo_no"))
    return lines


class ConfirmPage(StepPage):
    def __init__(self, ctx: Any, flow: Any, step: Any) -> None:
        super().__init__(ctx, flow, step)
        self.summary = label("", "summary")
        self.box.addWidget(self.summary)
        self.box.addStretch(1)
        self.box.addWidget(self.error)
        self.submit_button = button(ctx.tr("confirm.submit"), "fa5s.check", "primary", self.submit)
        self.submit_button.setProperty("tall", True)
        self.box.addWidget(self.submit_button)

    def title(self) -> str:
        return self.ctx.tr("confirm.title")

    def refresh(self) -> None:
        super().refresh()
        self.submit_button.setEnabled(True)
        lines = summary_lines(self.ctx, self.flow.service, self.flow.fields, self.flow.resident)
        set_text(self.summary, "\n".join(lines))

    def submit(self) -> None:
        self.submit_button.setEnabled(False)
        self.flow.submit()

    def failed(self, message: str) -> None:
        self.submit_button.setEnabled(True)
        self.show_error(message)

    def handle_intent(self, intent: str) -> bool:
        if intent == "yes" and self.submit_button.isEnabled():
            self.submit()
            return True
        return False

    def spoken_text(self) -> str:
        lines = summary_lines(self.ctx, self.flow.service, self.flow.fields, self.flow.resident, spoken=True)
        return " ".join([self.title(), *lines, self.ctx.tr("confirm.ask")])


class CheckinPage(StepPage):
    """平安签到: "我今天很好" (huge) or "我不太好，想让人来看看" — the second becomes an urgent help
    request for the volunteers here and the hub."""

    def __init__(self, ctx: Any, flow: Any, step: Any) -> None:
        super().__init__(ctx, flow, step)
        self.hello = label("", "h2", align=Qt.AlignmentFlag.AlignCenter)
        self.box.addWidget(self.hello)
        self.box.addStretch(1)
        self.fine = button(ctx.tr("checkin.fine"), "fa5s.smile", "huge", self.submit)
        self.fine.setMinimumWidth(700)
        self.box.addWidget(self.fine, 0, Qt.AlignmentFlag.AlignHCenter)
        self.unwell = button(
            ctx.tr("checkin.unwell"), "fa5s.hand-holding-medical", "urgent", self.submit_unwell
        )
        self.unwell.setProperty("tall", True)
        self.unwell.setMinimumWidth(700)
        self.between = QSpacerItem(0, 24)  # a little more air between the two answers
        self.box.addItem(self.between)
        self.box.addWidget(self.unwell, 0, Qt.AlignmentFlag.AlignHCenter)
        self.box.addWidget(self.error)
        self.box.addStretch(1)

    def fit_room(self, height: int) -> None:
        super().fit_room(height)
        wanted = 24 if self.ctx.sizes == REGULAR else 0  # a small panel: the page's spacing alone
        if self.between.sizeHint().height() != wanted:
            self.between.changeSize(0, wanted)
            self.box.invalidate()
        # the huge 我今天很好 and the tall 我不太好 scrolled at 1920×1080 with the largest text:
        # then both take a screen's main-button height
        self.fit_short(height, self._set_short)

    def _set_short(self, short: bool) -> None:
        if bool(self.fine.property("short")) != short:
            self.fine.setProperty("short", short)
            restyle(self.fine)

    def refresh(self) -> None:
        super().refresh()
        self.fine.setEnabled(True)
        self.unwell.setEnabled(True)
        name = self.flow.resident.name if self.flow.resident else ""
        set_text(self.hello, self.ctx.tr("checkin.hello", name=name))

    def submit(self) -> None:
        self.fine.setEnabled(False)
        self.unwell.setEnabled(False)
        self.flow.submit()

    def submit_unwell(self) -> None:
        self.fine.setEnabled(False)
        self.unwell.setEnabled(False)
        self.flow.submit_unwell()

    def failed(self, message: str) -> None:
        self.fine.setEnabled(True)
        self.unwell.setEnabled(True)
        self.show_error(message)

    def handle_intent(self, intent: str) -> bool:
        if intent in ("yes", "daily_checkin"):
            self.submit()
            return True
        return False

    def spoken_text(self) -> str:
        return f"{self.hello.text()} {self.fine.accessibleName()}，{self.unwell.accessibleName()}"
