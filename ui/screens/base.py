"""The Screen base class: lifecycle (enter/reset/back), what the screen says aloud, and its voice
commands per locale (catalogue phrases via voice.screens plus the global commands)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ui.context import UiContext
from ui.widgets import label, least_height, scrolling

if TYPE_CHECKING:
    from ui.navigator import Navigator


# (id of the catalogue, screen id, locale) → (that catalogue, its intent table): see cached_intents.
_INTENTS: dict[tuple[int, str, str], tuple[object, dict[str, tuple[str, ...]]]] = {}


def cached_intents(screen_id: str, locale: str, catalogue: Any) -> dict[str, tuple[str, ...]]:
    """`voice.screens.screen_intents`, built once per screen id, language and catalogue (all three
    fix the table): every screen change asked for it again, ≈ 0.5 ms of CPU each time. A copy, so
    the caller may change it. Raises ValueError for a screen id the catalogue does not know."""
    key = (id(catalogue), screen_id, locale)
    hit = _INTENTS.get(key)
    if hit is None or hit[0] is not catalogue:
        from voice.screens import screen_intents

        hit = (catalogue, screen_intents(screen_id, locale, catalogue))
        _INTENTS[key] = hit
    return dict(hit[1])


class Screen(QWidget):
    screen_name = "screen"

    def __init__(self, ctx: UiContext, nav: Navigator) -> None:
        super().__init__()
        self.ctx = ctx
        self.nav = nav
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        # The screen's content scrolls when the largest text on a small panel makes it taller than
        # the window: a last resort that keeps every control whole instead of squeezed on top of another.
        self.body = QWidget()
        self.body.setProperty("page", True)
        self.root = QVBoxLayout(self.body)
        self.root.setContentsMargins(40, 16, 40, 16)
        self.root.setSpacing(20)
        outer.addWidget(scrolling(self.body))

    # -- lifecycle ----------------------------------------------------------------------
    def enter(self, **params: Any) -> None:
        """Called each time the screen is shown (params from Navigator.go)."""

    def reset(self) -> None:
        """Wipe any in-progress input (idle reset, home)."""

    def on_back(self) -> bool:
        """Return True if the screen handled 返回 itself."""
        return False

    # -- speech and voice -------------------------------------------------------------------
    def spoken_text(self) -> str:
        return ""

    def voice_screen_id(self) -> str:
        return self.screen_name

    def voice_intents(self) -> dict[str, tuple[str, ...]]:
        try:
            return cached_intents(self.voice_screen_id(), self.ctx.locale, self.ctx.catalogue)
        except ValueError:
            return cached_intents(self.screen_name, self.ctx.locale, self.ctx.catalogue)

    def handle_intent(self, intent: str) -> bool:
        del intent
        return False

    # -- helpers ----------------------------------------------------------------------------
    def fit_margins(self, side: int, vertical: int) -> None:
        """Narrower margins on compact screens (the window calls this when its size set changes)."""
        self.root.setContentsMargins(side, vertical, side, vertical)
        self.root.setSpacing(12 if side < 40 else 20)

    def fit_shape(self, room: int) -> None:
        """Screens with a shorter shape (an icon beside its heading rather than above it …) take
        the roomy one when it fits `room` px of height, else the short one (`set_short`). The
        window asks on every screen change, resize and text size, before it places the voice strip."""
        set_short = getattr(self, "set_short", None)
        if set_short is None:
            return
        set_short(False)
        if self.content_height() > room:
            set_short(True)

    def refit_later(self) -> None:
        """Parts shown after the screen was (a help call's number and 取消, 回执已打印): once this
        turn's layout is done, the window fits the screen's shape and the voice strip again."""

        def fit() -> None:
            fit_voice_panel = getattr(self.window(), "fit_voice_panel", None)
            if fit_voice_panel is not None and self.nav.current is self:
                fit_voice_panel()

        QTimer.singleShot(0, self, fit)  # dropped with the screen

    def content_height(self) -> int:
        """The height the content needs at the screen's width (wrapped words included), measured
        afresh: a shape just changed must be measured before Qt's posted layout requests run."""
        self.body.ensurePolished()  # a screen just built has its stylesheet fonts only once polished
        return least_height(self.body, self.width(), remeasure=True)

    def heading(self, text: str, role: str = "h1") -> QLabel:
        widget = label(text, role)
        self.root.addWidget(widget)
        return widget

    def clear_layout(self, layout: Any) -> None:
        while layout.count():
            item = layout.takeAt(0)
            widget: QWidget | None = item.widget()
            if widget is not None:
                widget.hide()
                widget.deleteLater()
            elif item.layout() is not None:
                self.clear_layout(item.layout())
