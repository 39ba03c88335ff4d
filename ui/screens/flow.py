"""A service flow rendered from catalogue data: one step page at a time (identify → choose → text →
date slot → photo → consent → confirm), 返回 steps back without losing answers, every answer kept as
an encrypted draft, and submission on the DB worker. No per-service screen classes."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QStackedLayout, QWidget

from models.catalogue import Service
from models.requests import RequestRecord
from models.residents import ResidentRecord
from models.schema import new_id
from ui.navigator import ScreenKey
from ui.screens.base import Screen
from ui.steps import StepPage, page_class
from ui.widgets import label, restyle, set_text


class _CurrentPageLayout(QStackedLayout):
    """A QStackedLayout that asks for the room of the page on show only. The stock one takes the
    largest page, hidden ones included (their height-for-width too), so the tall text step later
    in a service made the ID keypad before it scroll on a 1366×768 panel."""

    def _current(self) -> QWidget | None:
        return self.currentWidget()

    def sizeHint(self) -> QSize:
        page = self._current()
        return page.sizeHint() if page is not None else super().sizeHint()

    def minimumSize(self) -> QSize:
        page = self._current()
        return page.minimumSizeHint().expandedTo(page.minimumSize()) if page is not None else QSize(0, 0)

    def hasHeightForWidth(self) -> bool:
        page = self._current()
        return page is not None and page.hasHeightForWidth()

    def heightForWidth(self, width: int) -> int:
        page = self._current()
        return page.heightForWidth(width) if page is not None else -1


class CurrentPageStack(QWidget):
    """The steps of a service, one on show at a time, sized for that one (see _CurrentPageLayout)."""

    def __init__(self) -> None:
        super().__init__()
        self.stack = _CurrentPageLayout(self)
        self.stack.setContentsMargins(0, 0, 0, 0)
        self.stack.currentChanged.connect(lambda _index: self.stack.invalidate())

    def addWidget(self, page: QWidget) -> None:
        self.stack.addWidget(page)

    def removeWidget(self, page: QWidget) -> None:
        self.stack.removeWidget(page)

    def setCurrentWidget(self, page: QWidget) -> None:
        self.stack.setCurrentWidget(page)

    def currentWidget(self) -> QWidget | None:
        return self.stack.currentWidget()


class ServiceScreen(Screen):
    screen_name = "service"

    def __init__(self, ctx: Any, nav: Any) -> None:
        super().__init__(ctx, nav)
        self.top = QHBoxLayout()
        self.top.setSpacing(20)
        self.title = label("", "h1")
        self.progress = label("", "muted", wrap=False)
        self.top.addWidget(self.title, 1)
        self.top.addWidget(self.progress)
        self.root.addLayout(self.top)
        self.step_title = label("", "h2")
        self.who = label("", "muted")
        self.root.addWidget(self.step_title)
        self.root.addWidget(self.who)
        self.pages = CurrentPageStack()
        self.root.addWidget(self.pages, 1)  # a step taller than the window scrolls with the screen
        self._compact = False
        self.service: Service | None = None
        self.page_list: list[StepPage] = []
        self.index = 0
        self.fields: dict[str, Any] = {}
        self.resident: ResidentRecord | None = None
        self.draft_id: str | None = None
        self._entering = False

    def fit_margins(self, side: int, vertical: int) -> None:
        """On a compact screen the service name and the step share one row (room for the step)."""
        super().fit_margins(side, vertical)
        compact = side < 40
        if compact == self._compact:
            return
        self._compact = compact
        if compact:
            self.root.removeWidget(self.step_title)
            self.top.insertWidget(1, self.step_title, 1)
            self.title.setProperty("role", "h2")
        else:
            self.top.removeWidget(self.step_title)
            self.root.insertWidget(1, self.step_title)
            self.title.setProperty("role", "h1")
        restyle(self.title)

    # -- lifecycle ------------------------------------------------------------------------
    def enter(self, **params: Any) -> None:
        self._entering = True
        try:
            self._enter(params)
        finally:
            self._entering = False

    def _enter(self, params: dict[str, Any]) -> None:
        if params.get("resume") and self.service is not None:
            self._show_step()
            return
        service_id = params.get("service")
        if not service_id:
            return
        self.reset()
        self.start(self.ctx.catalogue.get(service_id))

    def start(self, service: Service) -> None:
        self.service = service
        set_text(self.title, self.ctx.pick(service.title))
        for step in service.steps:
            page = page_class(step.kind, step.style)(self.ctx, self, step)
            page.done.connect(self._step_done)
            self.pages.addWidget(page)
            self.page_list.append(page)
        self.index = 0
        self.draft_id = new_id() if service.kind == "form" else None
        self._show_step()

    def reset(self) -> None:
        """Wipe the half-filled form: answers, pages and the encrypted draft."""
        draft, station = self.draft_id, self.ctx.station
        if draft and station is not None and self.resident is not None:
            self.ctx.db.run(lambda: station.requests.discard_draft(draft))
        for page in self.page_list:
            self.pages.removeWidget(page)
            page.deleteLater()
        self.page_list.clear()
        self.fields = {}
        self.resident = None
        self.draft_id = None
        self.service = None
        self.index = 0

    def on_back(self) -> bool:
        if self.service is not None and self.index > 0:
            self.index -= 1
            self._show_step()
            return True
        self.reset()
        return False

    # -- steps ----------------------------------------------------------------------------------
    @property
    def page(self) -> StepPage | None:
        return self.page_list[self.index] if self.page_list else None

    def _show_step(self) -> None:
        page = self.page
        if page is None or self.service is None:
            return
        page.refresh()
        for other in self.page_list:  # only the step on show claims room (the stack sizes to its largest)
            policy = QSizePolicy.Policy.Preferred if other is page else QSizePolicy.Policy.Ignored
            other.setSizePolicy(policy, policy)
        self.pages.setCurrentWidget(page)
        set_text(self.step_title, page.title())
        set_text(self.progress, self.ctx.tr("flow.progress", n=self.index + 1, total=len(self.page_list)))
        who = (
            self.ctx.tr("flow.who", name=self.resident.name, id=self.resident.masked_id)
            if self.resident
            else ""
        )
        set_text(self.who, who)
        self.who.setVisible(bool(who))
        if not self._entering and self.nav.current is self:
            self.nav.changed.emit(self)  # new voice commands and spoken prompt for this step

    def _step_done(self, updates: dict[str, Any]) -> None:
        self.fields.update(updates)
        self._save_draft()
        self._advance()

    def _advance(self) -> None:
        if self.index + 1 < len(self.page_list):
            self.index += 1
            self._show_step()
        elif self.service is not None and self.service.id == "my_requests" and self.resident is not None:
            resident = self.resident
            self.reset()
            self.nav.go(ScreenKey.MY_REQUESTS, resident=resident)

    def identified(self, record: ResidentRecord) -> None:
        self.resident = record
        self._advance()

    def _save_draft(self) -> None:
        station, service, draft = self.ctx.station, self.service, self.draft_id
        if station is None or service is None or draft is None or self.resident is None:
            return
        fields, resident_id = dict(self.fields), self.resident.id
        self.ctx.db.run(lambda: station.requests.save_draft(service.id, fields, resident_id, draft))

    def in_progress(self) -> bool:
        """Whether leaving now would throw away answers or typed input."""
        if self.service is None:
            return False
        typed = bool(getattr(self.page, "raw", "")) if self.page is not None else False
        return self.index > 0 or bool(self.fields) or self.resident is not None or typed

    def cancel(self) -> None:
        """The resident tapped 不同意: after "要放弃这次办理吗？" 是, nothing is kept."""
        if self.nav.ask_abandon is not None:
            self.nav.ask_abandon()
        else:
            self.nav.home()

    def submit(self) -> None:
        station, service = self.ctx.station, self.service
        if station is None or service is None or self.resident is None:
            return
        fields, resident_id, draft, actor = dict(self.fields), self.resident.id, self.draft_id, self.ctx.actor
        if service.id == "daily_checkin":

            def op() -> RequestRecord:
                record = station.requests.checkin(resident_id, actor)
                if draft:
                    station.requests.discard_draft(draft)
                return record
        else:

            def op() -> RequestRecord:
                return station.requests.submit(
                    service.id, fields, actor, resident_id=resident_id, draft_id=draft
                )

        self.ctx.db.run(op, self._submitted, self._submit_failed)

    def submit_unwell(self) -> None:
        """平安签到 "我不太好": checked in (not missing) and an urgent help call with the resident's
        name, for the volunteers here and the hub; the help screen then says what is happening."""
        station, resident, actor = self.ctx.station, self.resident, self.ctx.actor
        if station is None or resident is None:
            return
        resident_id, draft = resident.id, self.draft_id

        def op() -> RequestRecord:
            station.requests.submit("daily_checkin", {"status": "unwell"}, actor, resident_id=resident_id)
            if draft:
                station.requests.discard_draft(draft)
            return station.requests.help_call(actor, resident_id, note="checkin:unwell", urgent=True)

        def done(call: RequestRecord) -> None:
            self.draft_id = None
            self.reset()
            self.nav.go(ScreenKey.HELP, reason="urgent", record=call)

        self.ctx.db.run(op, done, self._submit_failed)

    def _submitted(self, record: RequestRecord) -> None:
        service = self.service
        self.draft_id = None  # it is a real request now: reset must not discard it
        self.ctx.changed.emit("submitted")  # the header's 待上传 count goes up at once
        self.reset()
        self.nav.go(ScreenKey.RECEIPT, record=record, service=service.id if service else record.service)

    def _submit_failed(self, exc: BaseException) -> None:
        page = self.page
        message = self.ctx.tr("error.save_failed")
        if page is not None and hasattr(page, "failed"):
            page.failed(message)

    # -- speech and voice -------------------------------------------------------------------------
    def spoken_text(self) -> str:
        page = self.page
        if page is None or self.service is None:
            return ""
        prefix = self.ctx.pick(self.service.prompt) if self.index == 0 else ""
        return f"{prefix} {page.spoken_text()}".strip()

    def voice_screen_id(self) -> str:
        page = self.page
        if self.service is None or page is None:
            return "service"
        return f"{self.service.id}/{page.step.id}" if page.step.options else page.step.kind

    def handle_intent(self, intent: str) -> bool:
        page = self.page
        return bool(page is not None and page.handle_intent(intent))
