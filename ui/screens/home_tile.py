"""A home tile whose picture always shows: icon above the words when the tile is tall enough for an
icon of at least MIN_ICON_PX, else icon beside the words (a short, wide tile on a small panel).

An elderly resident finds a service by its picture before reading its words, so the icon never
gives way to the words entirely: the tile asks the layout (height for width) for the room of its
smaller shape with an icon of MIN_ICON_PX, and the screen scrolls or the voice strip steps aside
before a picture is dropped. Before this, three rows of English tiles at the largest text on a
1280×800 panel drew icons of ≈ 30 px, and a two-line label ("Report a problem") drew none.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QBoxLayout, QVBoxLayout

from ui.widgets import _ICONS, TileButton, prop

# The least icon a home tile draws. 48 px is the size of a launcher icon on a phone held at arm's
# length (Material's 48 dp), ≈ 8 mm on a 10" 1280×800 panel and ≈ 12 mm on a 15.6" 1366×768 one —
# a picture that still reads at a kiosk's 50–60 cm, and taller than the tile's own words' capitals
# even at the largest text (38 px type).
MIN_ICON_PX = 48
ICON_GAP_PX = 8  # between the icon and the words


class HomeTile(TileButton):
    """A TileButton that picks its shape (icon above or beside its words) from the room it is given."""

    def __init__(self, text: str, icon: str, color: str, role: str = "tile", *, subtitle: str = "") -> None:
        super().__init__(text, icon, color, role, subtitle=subtitle)
        stock = self.layout()
        margins = stock.contentsMargins() if stock is not None else None
        if stock is not None:  # TileButton's column: replaced by one that answers height-for-width
            shiboken6.delete(stock)
        # The words' measures, kept while their text and fonts stay the same: the layout asks a
        # tile's need for the same few widths many times on each screen change and resize.
        self._measured_for: tuple[object, ...] = ()
        self._heights: dict[int, int] = {}
        self._longest = 0
        self.box = _TileBox(self)
        if margins is not None:
            self.box.setContentsMargins(margins)
        self.box.setSpacing(ICON_GAP_PX)
        # the words (label and subtitle) as one column, so beside the icon they stay one above the other
        self.words = QVBoxLayout()
        self.words.setContentsMargins(0, 0, 0, 0)
        self.words.setSpacing(10)
        for widget in (self.text_label, getattr(self, "subtitle", None)):
            if widget is not None:
                self.words.addWidget(widget)
        self.box.addWidget(self.icon_widget, 1)
        self.box.addLayout(self.words)
        self.beside = False

    # -- the room each shape needs -------------------------------------------------------------
    def _inner(self, width: int) -> tuple[int, int]:
        """(width, vertical margins) inside the tile's margins."""
        margins = self.box.contentsMargins()
        return width - margins.left() - margins.right(), margins.top() + margins.bottom()

    def _words_kept(self) -> None:
        """Forget the kept measures when the words or their fonts changed (language, text size)."""
        subtitle = getattr(self, "subtitle", None)
        key: tuple[object, ...] = (self.text_label.text(), self.text_label.font().key(), self.words.spacing())
        if subtitle is not None:
            key += (subtitle.text(), subtitle.font().key())
        if key != self._measured_for:
            self._measured_for = key
            self._heights.clear()
            self._longest = self._measure_longest_word()

    def _words_height(self, width: int) -> int:
        self._words_kept()
        height = self._heights.get(width)
        if height is None:
            height = self.text_label.heightForWidth(width)
            subtitle = getattr(self, "subtitle", None)
            if subtitle is not None:
                height += self.words.spacing() + subtitle.heightForWidth(width)
            self._heights[width] = height
        return height

    def _longest_word(self) -> int:
        self._words_kept()
        return self._longest

    def _measure_longest_word(self) -> int:
        metrics = self.text_label.fontMetrics()
        words = self.text_label.text().split() or [""]
        longest = max(metrics.horizontalAdvance(w) for w in words)
        subtitle = getattr(self, "subtitle", None)
        if subtitle is not None:
            small = subtitle.fontMetrics()
            longest = max(longest, *(small.horizontalAdvance(w) for w in subtitle.text().split() or [""]))
        return longest

    def _stacked_need(self, width: int) -> int:
        inner, vertical = self._inner(width)
        return vertical + MIN_ICON_PX + ICON_GAP_PX + self._words_height(inner)

    def _beside_need(self, width: int) -> int | None:
        """The height beside needs, or None when a word would not fit next to the icon."""
        inner, vertical = self._inner(width)
        room = inner - MIN_ICON_PX - ICON_GAP_PX
        if self._longest_word() > room:
            return None
        return vertical + max(MIN_ICON_PX, self._words_height(room))

    def need_for_width(self, width: int) -> int:
        """The smaller shape's height with an icon of MIN_ICON_PX (what the grid must give a row)."""
        beside = self._beside_need(width)
        stacked = self._stacked_need(width)
        return stacked if beside is None else min(stacked, beside)

    # -- drawing -----------------------------------------------------------------------------------
    def set_margins(self, vertical: int) -> None:
        super().set_margins(vertical)
        self.updateGeometry()  # the height it needs changed

    def fit_icon(self) -> None:
        """Above the words when the tile is tall enough for an icon of MIN_ICON_PX there, else beside
        them (as large as the height and the words leave); never smaller than MIN_ICON_PX when the
        tile got the height it asked for."""
        if not hasattr(self, "box"):  # TileButton's own __init__ sizes the icon before ours has run
            return
        icon = _ICONS.get(self.icon_widget)
        full = prop(self.icon_widget, "icon_full_px")
        if icon is None or not full:
            return
        width, height = self.width(), self.height()
        inner, vertical = self._inner(width)
        above = height - vertical - ICON_GAP_PX - self._words_height(inner)
        beside_need = self._beside_need(width)
        beside = above < MIN_ICON_PX and beside_need is not None and beside_need <= height
        if beside:
            size = min(int(full), height - vertical)
            # the words beside need their longest word's width and their lines' height
            while size > MIN_ICON_PX and (
                self._longest_word() > inner - size - ICON_GAP_PX
                or self._words_height(inner - size - ICON_GAP_PX) > height - vertical
            ):
                size -= 4
            size = max(size, MIN_ICON_PX)
        else:
            size = max(0, min(int(full), above))
        self._set_shape(beside, size, self._centring(inner - size - ICON_GAP_PX) if beside else 0)
        if size != self._icon_px:
            self._icon_px = size
            self.icon_widget.setPixmap(icon.pixmap(size, size) if size >= 24 else QPixmap())

    def _centring(self, room: int) -> int:
        """Beside: the space before the icon that centres icon and words in the tile together, when
        the words stand on one line in `room` (else 0: they take the whole row)."""
        widest = self.text_label.fontMetrics().horizontalAdvance(self.text_label.text())
        subtitle = getattr(self, "subtitle", None)
        if subtitle is not None:
            widest = max(widest, subtitle.fontMetrics().horizontalAdvance(subtitle.text()))
        return (room - widest) // 2 if widest <= room else 0

    def _set_shape(self, beside: bool, size: int, pad: int) -> None:
        align = Qt.AlignmentFlag.AlignLeft if beside else Qt.AlignmentFlag.AlignHCenter
        # the pad lies inside the icon's own box, so the words keep the width the need was measured at
        self.icon_widget.setContentsMargins(pad, 0, 0, 0)
        if beside:
            self.icon_widget.setFixedWidth(size + pad)
        else:
            self.icon_widget.setMinimumWidth(1)
            self.icon_widget.setMaximumWidth(16777215)
        if beside == self.beside:
            return
        self.beside = beside
        self.box.setDirection(
            QBoxLayout.Direction.LeftToRight if beside else QBoxLayout.Direction.TopToBottom
        )
        self.box.setStretch(0, 0 if beside else 1)
        self.box.setStretch(1, 1 if beside else 0)
        for widget in (self.text_label, getattr(self, "subtitle", None)):
            if widget is not None:
                widget.setAlignment(align | Qt.AlignmentFlag.AlignVCenter)


class _TileBox(QBoxLayout):
    """The tile's layout. A widget with a layout is asked for its height-for-width through that
    layout (QWidgetItem), so the tile's need is answered here, not by the widget."""

    def __init__(self, tile: HomeTile) -> None:
        super().__init__(QBoxLayout.Direction.TopToBottom, tile)
        self.tile = tile

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self.tile.need_for_width(width)

    def minimumHeightForWidth(self, width: int) -> int:
        return self.tile.need_for_width(width)
