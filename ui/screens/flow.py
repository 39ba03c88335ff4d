"""A service flow rendered from catalogue data: one step page at a time (identify → choose → text →
date slot → photo → consent → confirm), 返回 steps back without losing answers, every answer kept as
an encrypted draft, and submission on the DB worker. No per-service screen classes.

Step pages are built when first shown, not all on entering the service: a tile tap builds only the
first step (the others cost the screen change tens of milliseconds each, on a slow village PC a
great deal more, and most residents never reach them). The next step is built once the current one
has been on screen a moment (`PREBUILD_MS`, well within the tap guard's 400 ms, while the resident
reads), so moving on does not wait for it either."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QHideEvent, QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QVBoxLayout

from models.catalogue import Service
from models.requests import RequestRecord
from models.residents import ResidentRecord
from models.schema import new_id
from ui.navigator import ScreenKey
from ui.screens.base import Screen
from ui.steps import StepPage, page_class
from ui.tasks import while_alive
from ui.widgets import CurrentPageStack, label, set_text

if TYPE_CHECKING:
    from models.station import Station

# After a step is shown, how long before the next one is built (its paint is done by then, and a
# resident's next tap is still held back by the tap guard for a while longer).
PREBUILD_MS = 150


class ServiceScreen(Screen):
    screen_name = "service"

    def __init__(self, ctx: Any, nav: Any) -> None:
        super().__init__(ctx, nav)
        self.top = QHBoxLayout()
        self.top.setSpacing(20)
        self.title = label("", "h1")
        self.progress = label("", "muted", wrap=False)
        self.step_title = label("", "h2")
        self.who = label("", "muted")
        # Beside the step's question on a compact screen: where the resident is and for whom.
        self.side = QVBoxLayout()
        self.side.setSpacing(0)
        self.root.addLayout(self.top)
        self.pages = CurrentPageStack()
        self.root.addWidget(self.pages, 1)  # a step taller than the window scrolls with the screen
        self.service: Service | None = None
        self._pages: dict[int, StepPage] = {}  # step index → its page, built when first needed
        # A page wiped by reset() and kept for the next service that needs its kind (StepPage.reusable)
        self._spare: StepPage | None = None
        self.index = 0
        self.fields: dict[str, Any] = {}
        self.resident: ResidentRecord | None = None
        self.draft_id: str | None = None
        self._entering = False
        self._fit_timer = QTimer(self)  # one fit after this turn's events, however many asked
        self._fit_timer.setSingleShot(True)
        self._fit_timer.setInterval(0)
        self._fit_timer.timeout.connect(self._fit_now)
        self._prebuild_timer = QTimer(self)  # builds the step after the one on show (see PREBUILD_MS)
        self._prebuild_timer.setSingleShot(True)
        self._prebuild_timer.setInterval(PREBUILD_MS)
        self._prebuild_timer.timeout.connect(self._prebuild_next)
        self._compact: bool | None = None
        self._arrange_top(compact=False)
        self.body.installEventFilter(self)

    def fit_margins(self, side: int, vertical: int) -> None:
        super().fit_margins(side, vertical)
        self._arrange_top(compact=side < 40)

    def _arrange_top(self, *, compact: bool) -> None:
        """Full size: the service's name (h1) and the progress on one row, the step's question (h2)
        and for whom below. Compact (the 1366×768 / 1280×800 panels, portrait): the question on
        the left, and the service's name with the progress above for whom on the right — one row
        where there were three, so the step keeps its room at the largest text size."""
        if compact == self._compact:
            return
        self._compact = compact
        for widget in (self.title, self.progress, self.step_title, self.who):
            self.top.removeWidget(widget)
            self.side.removeWidget(widget)
            self.root.removeWidget(widget)
        self.top.removeItem(self.side)
        if compact:
            self.top.addWidget(self.step_title, 1)
            self.side.addWidget(self.progress, 0, Qt.AlignmentFlag.AlignRight)
            self.side.addWidget(self.who, 0, Qt.AlignmentFlag.AlignRight)
            self.top.addLayout(self.side)
        else:
            self.top.addWidget(self.title, 1)
            self.top.addWidget(self.progress)
            self.root.insertWidget(1, self.step_title)
            self.root.insertWidget(2, self.who)
        self.title.setVisible(not compact)
        self.who.setWordWrap(not compact)  # compact: its own width, never a premature second line
        self._show_progress()

    # -- room for the step ---------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.body and event.type() == QEvent.Type.LayoutRequest:
            self._fit_page()  # new words or a new text size change the rows above the step
        return super().eventFilter(watched, event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_page()

    def _fit_page(self) -> None:
        """Fit the step once the events of this turn are done: during a resize the scroll area
        still has its old height, and the voice strip must not change the window's layout while
        Qt is in the middle of applying it."""
        self._fit_timer.start()

    def _fit_now(self) -> None:
        """Tell the step on show how tall it may be without the screen scrolling: the window's
        height less the rows above it (never its own height, which follows from its layout)."""
        page = self.page
        viewport = self.body.parentWidget()
        if page is None or viewport is None or not self.isVisible():
            return
        self.root.activate()
        page.fit_room(viewport.height() - self.pages.y() - self.root.contentsMargins().bottom())
        # A step that filled in later (the date slots) may need the voice strip's room after all.
        fit_voice_panel = getattr(self.window(), "fit_voice_panel", None)
        if fit_voice_panel is not None and self.nav.current is self:
            fit_voice_panel()

    def _show_progress(self) -> None:
        if self.service is None or not self.service.steps:
            return
        progress = self.ctx.tr("flow.progress", n=self.index + 1, total=len(self.service.steps))
        if self._compact:
            progress = f"{self.ctx.pick(self.service.title)} · {progress}"
        set_text(self.progress, progress)

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
        """Begin `service` at its first step; only that step's page is built now."""
        self.service = service
        set_text(self.title, self.ctx.pick(service.title))
        self.index = 0
        self.draft_id = new_id() if service.kind == "form" else None
        self._show_step()

    def reset(self) -> None:
        """Wipe the half-filled form: answers, pages and the encrypted draft."""
        draft, station = self.draft_id, self.ctx.station
        if draft and station is not None and self.resident is not None:
            # plain values only: the worker must hold no widget (see ui/weak.py)
            self.ctx.db.run(partial(_discard_draft, station, draft))
        self._prebuild_timer.stop()
        for page in self._pages.values():
            if page.reusable and self._spare is None:
                page.reset()  # wiped now (typed input and all), not at its next use
                page.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
                self._spare = page
                continue
            self.pages.removeWidget(page)
            page.deleteLater()
        self._pages.clear()
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
    def page_list(self) -> list[StepPage]:
        """The step pages built so far, in step order (the current one is always among them)."""
        return [self._pages[index] for index in sorted(self._pages)]

    @property
    def page(self) -> StepPage | None:
        """The page of the current step (built now if it was not yet)."""
        if self.service is None or not 0 <= self.index < len(self.service.steps):
            return None
        return self.page_at(self.index)

    def page_at(self, index: int) -> StepPage:
        """The page of step `index` of the service on show, built on first use (hidden until shown)."""
        page = self._pages.get(index)
        if page is None:
            assert self.service is not None
            step = self.service.steps[index]
            kind = page_class(step.kind, step.style)
            if type(self._spare) is kind:
                # The last service's page of this kind, wiped when it ended: built, styled and laid
                # out already, so starting a service (an ID keypad first) costs no page build.
                page, self._spare = self._spare, None
                page.step = step
            else:
                page = kind(self.ctx, self, step)
                page.done.connect(self._step_done)
                policy = QSizePolicy.Policy.Ignored  # a hidden step lends the stack none of its height
                page.setSizePolicy(policy, policy)
                self.pages.addWidget(page)
            self._pages[index] = page
        return page

    def _prebuild_next(self) -> None:
        """Build the step after the one on show, while the resident reads this one."""
        service, following = self.service, self.index + 1
        if service is not None and following < len(service.steps) and self.isVisible():
            self.page_at(following)

    def hideEvent(self, event: QHideEvent) -> None:
        self._prebuild_timer.stop()  # another screen is on show: its time is not ours to take
        super().hideEvent(event)

    def _show_step(self) -> None:
        page = self.page
        if page is None or self.service is None:
            return
        page.refresh()
        # Only the step on show claims room (the stack sizes to its largest page).
        for other in self._pages.values():
            policy = QSizePolicy.Policy.Preferred if other is page else QSizePolicy.Policy.Ignored
            other.setSizePolicy(policy, policy)
        self.pages.setCurrentWidget(page)
        self._fit_page()
        self._prebuild_timer.start()
        set_text(self.step_title, page.title())
        self._show_progress()
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
        if self.service is not None and self.index + 1 < len(self.service.steps):
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
        self.ctx.db.run(partial(_save_draft, station, service.id, fields, resident_id, draft))

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

        # while_alive: the screen may be rebuilt (another language) before the answer comes
        self.ctx.db.run(op, while_alive(self._submitted), while_alive(self._submit_failed))

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

        self.ctx.db.run(op, while_alive(self._unwell_sent), while_alive(self._submit_failed))

    def _unwell_sent(self, call: RequestRecord) -> None:
        self.draft_id = None
        self.reset()
        self.nav.go(ScreenKey.HELP, reason="urgent", record=call)

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


# Draft work for the DB worker, as module functions over plain values: a closure made inside a screen
# method could also capture the screen (its wrapper then freed on the worker thread: ui/weak.py).
def _discard_draft(station: Station, draft_id: str) -> None:
    station.requests.discard_draft(draft_id)


def _save_draft(
    station: Station, service_id: str, fields: dict[str, Any], resident_id: str, draft_id: str
) -> None:
    station.requests.save_draft(service_id, fields, resident_id, draft_id)
