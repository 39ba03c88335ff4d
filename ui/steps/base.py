"""StepPage: the common shape of a step — what it saves (`done` with field updates), what it says,
which voice intents it answers — and the Flow protocol pages use to reach their service flow."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QBoxLayout, QGridLayout, QVBoxLayout, QWidget

from models.catalogue import Step
from models.residents import ResidentRecord
from ui.context import UiContext
from ui.theme import gap
from ui.widgets import label, least_height, relayout, set_text


class Flow(Protocol):
    service: Any  # the Service being run (None only between flows)
    fields: dict[str, Any]
    resident: ResidentRecord | None

    def identified(self, record: ResidentRecord) -> None: ...

    def submit(self) -> None: ...

    def submit_unwell(self) -> None: ...

    def cancel(self) -> None: ...


class StepPage(QWidget):
    done = Signal(dict)  # field updates; the flow stores them and moves on
    # Whether the flow may keep this page, wiped by reset(), for its next service's step of the same
    # kind (with that step set as `step`): reset() must then leave nothing of the last resident.
    reusable = False

    def __init__(self, ctx: UiContext, flow: Flow, step: Step) -> None:
        super().__init__()
        self.ctx = ctx
        self.flow = flow
        self.step = step
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(0, 0, 0, 0)
        self.box.setSpacing(20)
        self.error = label("", "error")
        self.error.hide()
        self.room = 0  # px the flow has for this page (fit_room); 0 until it is first laid out
        self._short_key: tuple[Any, ...] | None = None  # what the last fit_short decided for

    def title(self) -> str:
        return self.ctx.pick(self.step.title) if self.step.title else self.ctx.tr(f"step.{self.step.kind}")

    def show_error(self, message: str) -> None:
        set_text(self.error, message)
        self.error.show()
        self.ctx.say(message)

    def clear_error(self) -> None:
        self.error.hide()

    def refresh(self) -> None:
        """Called each time the page is shown."""
        self.clear_error()

    def reset(self) -> None:
        self.clear_error()

    def spoken_text(self) -> str:
        return self.title()

    def handle_intent(self, intent: str) -> bool:
        del intent
        return False

    def fit_room(self, height: int) -> None:
        """The flow says how tall the page may be before the screen would scroll (on each resize,
        new step and new text size). Pages whose content can take a shorter shape pick it here;
        on a small panel every page's parts stand closer together."""
        self.room = height
        self.space(self.box, 20)

    def fit_short(self, height: int, set_short: Callable[[bool], None], *content: object) -> None:
        """Take the roomy shape when it fits `height`, else the short one (`set_short(True)`).
        Decided again only when the width, the room, the text size, the theme or `content` (what
        the page shows) changed: each new shape asks for a layout, which asks for a new fit."""
        key = (self.width(), height, self.ctx.scale, self.ctx.theme, self.ctx.sizes, content)
        if key == self._short_key:
            return
        self._short_key = key
        set_short(False)
        if least_height(self, self.width(), remeasure=True) > height:
            set_short(True)
            relayout(self)

    def space(self, layout: QBoxLayout | QGridLayout, regular: int) -> None:
        """`regular` px between the parts of `layout` on a full-size screen, less on a small panel
        (set only when it changes: each change asks for a new layout, which asks for a new fit)."""
        wanted = gap(self.ctx.sizes, regular)
        if layout.spacing() != wanted:
            layout.setSpacing(wanted)

    def center(self, widget: QWidget) -> None:
        self.box.addWidget(widget, 0, Qt.AlignmentFlag.AlignHCenter)
