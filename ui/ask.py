"""A big yes/no question over the whole window ("要放弃这次办理吗？" 是 / 不是): spoken, two huge
buttons, no time limit. Like the idle card it lives inside the window, so it cannot get lost."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QWidget

from ui.context import UiContext
from ui.overlay import Overlay
from ui.widgets import button, label, set_text


class AskCard(Overlay):
    """An overlay with one question; `ask()` shows it, 是 runs the action, 不是 just closes it."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent, margins=(40, 40))
        self.question = label("", "h1", align=Qt.AlignmentFlag.AlignCenter)
        row = QHBoxLayout()
        row.setSpacing(40)
        self.yes_button = button("", "fa5s.check", "primary", self._yes)
        self.no_button = button("", "fa5s.times", "", self._no)
        for widget in (self.no_button, self.yes_button):
            widget.setProperty("tall", True)
            row.addWidget(widget, 1)
        self.box.addWidget(self.question)
        self.box.addLayout(row)
        self._action: Callable[[], None] | None = None
        self.hide()

    def ask(
        self, ctx: UiContext, question: str, on_yes: Callable[[], None], *, yes: str = "", no: str = ""
    ) -> None:
        self._action = on_yes
        set_text(self.question, question)
        set_text(self.yes_button, yes or ctx.tr("ask.yes"))
        set_text(self.no_button, no or ctx.tr("ask.no"))
        self.show_over_parent()
        ctx.say(question)

    def answer(self, yes: bool) -> None:
        """是 (True) or 不是 (False), by touch or by voice."""
        if yes:
            self._yes()
        else:
            self._no()

    def _yes(self) -> None:
        action, self._action = self._action, None
        self.hide()
        if action is not None:
            action()

    def _no(self) -> None:
        self._action = None
        self.hide()
