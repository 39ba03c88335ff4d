"""A scrolling list of big cards, shared by 我的办件, 通知公告 and the volunteer lists. Each card has an
optional icon, lines of text and optional action buttons (e.g. 朗读, 已处理)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QScrollArea, QVBoxLayout, QWidget

from ui.widgets import button, icon_label, label

WRAP_WIDTH = 1400  # px available to a card's text at 1920 wide


@dataclass
class Card:
    lines: Sequence[str]
    icon: str = ""
    icon_color: str = ""
    icon_name: str = ""
    actions: Sequence[tuple[str, str, Callable[[], None]]] = field(default_factory=tuple)


class CardList(QScrollArea):
    def __init__(self) -> None:
        super().__init__()
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setAccessibleName("list")
        self.verticalScrollBar().setAccessibleName("scroll")
        inner = QWidget()
        self.column = QVBoxLayout(inner)
        self.column.setSpacing(20)
        self.column.setContentsMargins(0, 0, 12, 0)
        self.column.addStretch(1)
        self.setWidget(inner)
        self.cards: list[QFrame] = []

    def set_cards(self, cards: Sequence[Card], empty_text: str) -> None:
        for frame in self.cards:
            frame.hide()
            frame.deleteLater()
        self.cards.clear()
        if not cards:
            self._add(Card([empty_text], "fa5s.info-circle"))
        for card in cards:
            self._add(card)

    def _add(self, card: Card) -> None:
        frame = QFrame()
        frame.setProperty("role", "card")
        frame.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        row = QHBoxLayout(frame)
        row.setContentsMargins(24, 18, 24, 18)
        row.setSpacing(24)
        if card.icon:
            row.addWidget(
                icon_label(card.icon, card.icon_color, 64, card.icon_name), 0, Qt.AlignmentFlag.AlignTop
            )
        texts = QVBoxLayout()
        texts.setSpacing(6)
        for index, line in enumerate(card.lines):
            # Short header lines do not wrap; long ones do, with their height fixed up front, because
            # a scroll area would otherwise squeeze wrapped labels to nothing.
            widget = label(line, "h2" if index == 0 else "", wrap=index >= 2)
            widget.ensurePolished()  # the stylesheet's font decides the height
            height = widget.heightForWidth(WRAP_WIDTH) if index >= 2 else widget.sizeHint().height()
            widget.setMinimumHeight(height)
            texts.addWidget(widget)
        row.addLayout(texts, 1)
        # Actions keep their words whole, one above the other: side by side, two long ones
        # ("Set the PIN typed above", "Deactivate") squeezed each other on a small panel.
        actions = QVBoxLayout()
        actions.setSpacing(12)
        actions.addStretch(1)
        for text, icon, action in card.actions:
            actions.addWidget(button(text, icon, "", action, whole_words=True))
        actions.addStretch(1)
        if card.actions:
            row.addLayout(actions)
        frame.ensurePolished()
        frame.setMinimumHeight(row.sizeHint().height())
        self.column.insertWidget(self.column.count() - 1, frame)
        self.cards.append(frame)
