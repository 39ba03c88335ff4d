"""A dimmed layer over the whole window with one centred card (the idle card, the yes/no question).

It is a child widget, not a separate window, so it cannot get lost behind the kiosk or on another
screen; `show_over_parent()` stretches it over the window and puts it on top.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QVBoxLayout, QWidget

CARD_WIDTH = 1100


class Overlay(QWidget):
    """Subclasses add their widgets to `box`, the card's column. The card is CARD_WIDTH wide at most,
    or exactly (`fixed_width`), with `margins` (horizontal, vertical) inside it. A subclass hides
    itself at the end of its own __init__, once everything its hideEvent may touch exists."""

    def __init__(self, parent: QWidget, *, margins: tuple[int, int], fixed_width: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("overlay")
        self.setProperty("overlay", True)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        outer = QVBoxLayout(self)
        outer.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.card = QFrame()
        self.card.setObjectName("idlecard")
        if fixed_width:
            self.card.setFixedWidth(CARD_WIDTH)
        else:
            self.card.setMaximumWidth(CARD_WIDTH)
        self.box = QVBoxLayout(self.card)
        self.box.setContentsMargins(margins[0], margins[1], margins[0], margins[1])
        self.box.setSpacing(30)
        outer.addWidget(self.card)

    def show_over_parent(self) -> None:
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())
        self.show()
        self.raise_()
