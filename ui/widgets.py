"""Big, labelled, accessible building blocks: labels with a type role, buttons with an icon and a
word, home tiles, the numeric keypad (with X for ID numbers), and icon colouring that follows the
theme. Every control gets an accessible name here, so screens cannot forget one.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QIcon, QMouseEvent, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QGridLayout,
    QLabel,
    QLayout,
    QPushButton,
    QSizePolicy,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from ui import icons
from ui.theme import Palette

_ICONS: weakref.WeakKeyDictionary[QLabel, QIcon] = weakref.WeakKeyDictionary()
# The icon each widget was last given (name, role, colour, text scale): apply_icons runs on every screen
# change, and most icons are already right.
_APPLIED: weakref.WeakKeyDictionary[QWidget, tuple[Any, str, str, float, Any]] = weakref.WeakKeyDictionary()
ICON_PX = {"bar": 32, "primary": 40, "option": 56, "tile": 96, "urgent": 110, "huge": 72, "": 36, "key": 36}


def prop(obj: QObject, name: str) -> Any:
    """A dynamic property, or None when unset. (QObject.property() of an unset name drops a
    reference to None; the `ui` package keeps None alive against that on import: ui/immortal.py.)"""
    return obj.property(name)


def restyle(widget: QWidget) -> None:
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)


def set_role(widget: QWidget, role: str) -> None:
    """Give a widget another stylesheet role, re-polished only when the role changes: a polish asks
    the stylesheet again for every rule (and the first one makes PySide build QStyle's Python enums,
    which the locked screen's first paint has no need of)."""
    if prop(widget, "role") != role:
        widget.setProperty("role", role)
        restyle(widget)


def label(
    text: str = "",
    role: str = "",
    *,
    name: str | None = None,
    wrap: bool = True,
    align: Qt.AlignmentFlag | None = None,
) -> QLabel:
    widget = QLabel(text)
    if role:
        widget.setProperty("role", role)
    widget.setWordWrap(wrap)
    widget.setAccessibleName(name or text)
    widget.setTextFormat(Qt.TextFormat.PlainText)
    if align is not None:
        widget.setAlignment(align)
    return widget


def set_text(widget: QLabel | QPushButton, text: str, name: str | None = None) -> None:
    widget.setText(f"  {text}" if isinstance(widget, QPushButton) and prop(widget, "icon_name") else text)
    widget.setAccessibleName(name or text)


def button(
    text: str,
    icon: str = "",
    role: str = "",
    on_click: Callable[[], None] | None = None,
    *,
    name: str | None = None,
    icon_color: str = "",
    whole_words: bool = False,
) -> QPushButton:
    kind = WordButton if whole_words else QPushButton  # see WordButton
    widget = kind(f"  {text}" if icon and text else text)  # air between icon and word
    widget.setAccessibleName(name or text)
    if role:
        widget.setProperty("role", role)
    if icon:
        widget.setProperty("icon_name", icon)
        widget.setProperty("icon_color", icon_color)
    widget.setCursor(Qt.CursorShape.PointingHandCursor)
    widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    if on_click is not None:
        widget.clicked.connect(lambda _checked=False: on_click())
    return widget


def icon_label(icon: str, color: str = "", size: int = 96, name: str = "") -> QLabel:
    widget = QLabel()
    widget.setProperty("icon_name", icon)
    widget.setProperty("icon_color", color)
    widget.setProperty("icon_px", size)
    widget.setAccessibleName(name)
    widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
    widget.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
    return widget


def _role_color(role: str, palette: Palette, explicit: str) -> str:
    if palette.name != "default" and explicit:
        return palette.text if role not in ("primary", "urgent", "huge") else palette.primary_text
    if explicit:
        return explicit
    return {
        "primary": palette.primary_text,
        "huge": palette.primary_text,
        "urgent": palette.urgent_text,
        "bar": palette.bar_text,
        "": palette.bar_text,
        "key": palette.text,
    }.get(role, palette.text)


def apply_icons(root: QWidget, palette: Palette, scale: float) -> None:
    """(Re)colour every icon under `root` for the palette and size it for the text scale."""
    widgets: list[QWidget] = [root, *root.findChildren(QWidget)]
    for widget in widgets:
        name = prop(widget, "icon_name")
        if not name:
            continue
        role = str(prop(widget, "role") or "")
        color = _role_color(role, palette, str(prop(widget, "icon_color") or ""))
        applied = (name, role, color, scale, prop(widget, "icon_px"))
        if _APPLIED.get(widget) == applied:
            continue  # already so: setting it again would only lay the screen out once more
        _APPLIED[widget] = applied
        if isinstance(widget, QPushButton):
            size = round(int(prop(widget, "icon_px") or ICON_PX.get(role, 36)) * scale)
            widget.setIcon(icons.icon(str(name), color))
            widget.setIconSize(QSize(size, size))
        elif isinstance(widget, QLabel):
            size = round(int(prop(widget, "icon_px") or 64) * scale)
            icon = icons.icon(str(name), color)
            widget.setPixmap(icon.pixmap(size, size))
            widget.setProperty("icon_full_px", size)
            _ICONS[widget] = icon  # kept so a tile can redraw it smaller when space is short
            tile = widget.parentWidget()
            if isinstance(tile, TileButton):
                tile._icon_px = -1
                tile.fit_icon()


class WordButton(QPushButton):
    """A button never narrower than its words. The stylesheet's minimum width is a little less
    than a word needs at the largest text size, and neighbours that ask for more room than they
    need (empty candidate buttons, digit keys) then squeezed the word ("모두 지우기" on 1280×800).
    After each (re)style, which sets the stylesheet's minimum, and after each new icon size or
    text, it claims its words' width: the icon is sized for the text size (apply_icons) after the
    style's polish, and a minimum taken before that was 51 px short at the largest text size.
    """

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if event.type() in (QEvent.Type.Polish, QEvent.Type.StyleChange, QEvent.Type.FontChange):
            self._claim()
        return handled

    def setIconSize(self, size: QSize) -> None:
        super().setIconSize(size)
        self._claim()

    def setText(self, text: str) -> None:
        super().setText(text)
        self._claim()

    def _claim(self) -> None:
        self.setMinimumWidth(self.sizeHint().width())


class TileButton(QPushButton):
    """A home tile: big coloured icon above a wrapped label (QPushButton text cannot wrap)."""

    def __init__(self, text: str, icon: str, color: str, role: str = "tile", *, subtitle: str = "") -> None:
        super().__init__()
        self.setProperty("role", role)
        self.setAccessibleName(text)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 18, 12, 18)
        layout.setSpacing(10)
        self.icon_widget = icon_label(icon, color, ICON_PX.get(role, 96))
        self.icon_widget.setProperty("role", role)
        self.icon_widget.setMinimumSize(1, 1)  # the icon shrinks to leave the label room (fit_icon)
        # The icon takes the room the words leave and asks for none: a tile's height wish is its
        # words', so a screen of tiles fits a short panel with smaller icons instead of scrolling
        # (with the full-size icon counted, three rows of tiles scrolled at 1280×800).
        self.icon_widget.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Ignored)
        self._icon_px = -1
        self.text_label = label(
            text, "urgent" if role == "urgent" else "tile", align=Qt.AlignmentFlag.AlignCenter
        )
        self.text_label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        layout.addWidget(self.icon_widget, 1)
        layout.addWidget(self.text_label)
        if subtitle:
            self.subtitle = label(
                subtitle, "urgent_small" if role == "urgent" else "muted", align=Qt.AlignmentFlag.AlignCenter
            )
            self.subtitle.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            layout.addWidget(self.subtitle)

    def set_margins(self, vertical: int) -> None:
        """Less air above and below on a short panel (the icon gets the room)."""
        layout = self.layout()
        if layout is not None:
            layout.setContentsMargins(12, vertical, 12, vertical)
            self._icon_px = -1
            self.fit_icon()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_icon()

    def fit_icon(self) -> None:
        """Draw the icon as large as the tile allows (its full size at most), so the label always fits."""
        icon = _ICONS.get(self.icon_widget)
        full = prop(self.icon_widget, "icon_full_px")
        layout = self.layout()
        if icon is None or not full or layout is None:
            return
        margins = layout.contentsMargins()
        words = self.text_label.heightForWidth(self.width() - margins.left() - margins.right())
        extra = 0
        subtitle = getattr(self, "subtitle", None)
        if subtitle is not None:
            extra = (
                subtitle.heightForWidth(self.width() - margins.left() - margins.right()) + layout.spacing()
            )
        room = self.height() - margins.top() - margins.bottom() - words - layout.spacing() - extra
        size = max(0, min(int(full), room))
        if size != self._icon_px:
            self._icon_px = size
            self.icon_widget.setPixmap(icon.pixmap(size, size) if size >= 24 else QPixmap())


class IconHeading(QWidget):
    """A big icon above a centred heading (the receipt's tick, the help screen's ringing phone);
    on a short panel the icon, smaller, stands beside the heading instead, so the screen's
    buttons stay in view (at the largest text the icon alone took a fifth of a 1366×768 panel)."""

    def __init__(self, icon: str, color: str, size: int, name: str, heading: QLabel) -> None:
        super().__init__()
        self.size_px = size
        self.icon = icon_label(icon, color, size, name)
        self.heading = heading
        self.box = QBoxLayout(QBoxLayout.Direction.TopToBottom, self)
        self.box.setContentsMargins(0, 0, 0, 0)
        self.box.setSpacing(20)
        self.box.addWidget(self.icon)
        self.box.addWidget(heading)

    def set_compact(self, compact: bool, small: int = 44) -> None:
        """Beside (the icon `small` px before the text scale, at the row's start) or above (full size)."""
        wanted = small if compact else self.size_px
        was = int(prop(self.icon, "icon_px") or self.size_px)
        if wanted == was:
            return
        self.icon.setProperty("icon_px", wanted)
        icon, full = _ICONS.get(self.icon), prop(self.icon, "icon_full_px")
        if icon is not None and full:  # redrawn now at the same text scale (apply_icons agrees)
            size = round(wanted * int(full) / was)
            self.icon.setPixmap(icon.pixmap(size, size))
            self.icon.setProperty("icon_full_px", size)
        direction = QBoxLayout.Direction.LeftToRight if compact else QBoxLayout.Direction.TopToBottom
        self.box.setDirection(direction)
        self.box.setStretch(1, 1 if compact else 0)  # beside: the heading takes the row, centred in it


class Keypad(QWidget):
    """Digits in a phone layout, an optional X key, 删除 and 清空. Emits `key` ("0"–"9", "X", "DEL", "CLEAR").

    With X (ID numbers) the keys fill four rows: 删除 and 清空 stand tall in a fourth column and 0 is
    twice as wide, so the pad needs no fifth row on a short screen. Keys share the space they get
    and never shrink below the stylesheet's key height (≥ 64 px)."""

    key = Signal(str)

    def __init__(self, words: dict[str, str], *, with_x: bool, key_size: QSize | None = None) -> None:
        super().__init__()
        grid = QGridLayout(self)
        grid.setSpacing(14)
        grid.setContentsMargins(0, 0, 0, 0)
        self.buttons: dict[str, QPushButton] = {}
        # (key, row, column, row span, column span)
        cells: Sequence[tuple[str, int, int, int, int]]
        if with_x:
            cells = (
                ("1", 0, 0, 1, 1),
                ("2", 0, 1, 1, 1),
                ("3", 0, 2, 1, 1),
                ("DEL", 0, 3, 2, 1),
                ("4", 1, 0, 1, 1),
                ("5", 1, 1, 1, 1),
                ("6", 1, 2, 1, 1),
                ("7", 2, 0, 1, 1),
                ("8", 2, 1, 1, 1),
                ("9", 2, 2, 1, 1),
                ("CLEAR", 2, 3, 2, 1),
                ("X", 3, 0, 1, 1),
                ("0", 3, 1, 1, 2),
            )
        else:
            cells = tuple(
                (k, r, c, 1, 1)
                for r, row in enumerate(
                    (("1", "2", "3"), ("4", "5", "6"), ("7", "8", "9"), ("CLEAR", "0", "DEL"))
                )
                for c, k in enumerate(row)
            )
        for key, r, c, rows, columns in cells:
            text = {"DEL": words["del"], "CLEAR": words["clear"]}.get(key, key)
            icon = {"DEL": "fa5s.backspace", "CLEAR": "fa5s.eraser"}.get(key, "")
            name = words.get(f"name_{key}", text)
            widget = button(text, icon, "key", name=name, whole_words=bool(icon))
            if icon:
                widget.setProperty("word", True)  # 删除 / 清空: a word, in button size, not a digit
            if key_size is not None:
                widget.setMinimumWidth(key_size.width())
            widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
            widget.clicked.connect(lambda _c=False, k=key: self.key.emit(k))
            grid.addWidget(widget, r, c, rows, columns)
            self.buttons[key] = widget
        for column in range(grid.columnCount()):  # 删除 / 清空 are words: their column is wider
            grid.setColumnStretch(column, 4 if with_x and column == 3 else 3)


def relayout(widget: QWidget) -> None:
    """Lay `widget` and everything in it out again now, innermost first, with every cached size
    forgotten. Qt does this later from posted layout requests, but one that arrives while a page
    is busy changing shape can be lost, leaving buttons where the old shape had them."""
    for child in [*reversed(widget.findChildren(QWidget)), widget]:
        layout = child.layout()
        if layout is not None:
            for inner in layout.findChildren(QLayout):
                inner.invalidate()
            layout.invalidate()
            layout.activate()
        child.updateGeometry()


def least_height(widget: QWidget, width: int, *, remeasure: bool = False) -> int:
    """The least height `widget`'s content needs at `width` (wrapped words included).

    `remeasure` forgets every cached size under it first: a page that has just hidden a row or
    split its buttons in two measures its new shape at once, before Qt's posted layout requests run.
    """
    if remeasure:
        relayout(widget)
    layout = widget.layout()
    if layout is None:
        least = widget.minimumSizeHint().height()
    elif layout.hasHeightForWidth():
        least = layout.totalMinimumHeightForWidth(width)
    else:
        least = layout.totalMinimumSize().height()
    return max(least, widget.minimumHeight())


class _CurrentPageLayout(QStackedLayout):
    """A QStackedLayout that asks for the room of the page on show only. The stock one takes the
    largest page, hidden ones included (their height-for-width too), so the tall text step later
    in a service made the ID keypad before it scroll on a 1366×768 panel (and the voice note's
    panel made the handwriting pad's taller)."""

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
        """The least height the page on show needs at `width`: the screen scrolls only when that
        does not fit (the page's preferred height would scroll whenever its box or pad could
        simply be shorter); any room beyond it goes to the page as its stretch."""
        page = self._current()
        return least_height(page, width) if page is not None else -1


class CurrentPageStack(QWidget):
    """Pages shown one at a time (a service's steps, the text step's ways in), sized for the one
    on show (see _CurrentPageLayout)."""

    def __init__(self) -> None:
        super().__init__()
        self.stack = _CurrentPageLayout(self)
        self.stack.setContentsMargins(0, 0, 0, 0)
        self.stack.currentChanged.connect(lambda _index: self.updateGeometry())

    def addWidget(self, page: QWidget) -> None:
        self.stack.addWidget(page)
        page.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # The page on show changed shape (a row hidden, buttons on two rows): Qt's cached
        # height-for-width of this stack in the layout above must go too, or the screen scrolls.
        if event.type() == QEvent.Type.LayoutRequest and watched is self.currentWidget():
            self.updateGeometry()
        return super().eventFilter(watched, event)

    def removeWidget(self, page: QWidget) -> None:
        self.stack.removeWidget(page)

    def setCurrentWidget(self, page: QWidget) -> None:
        self.stack.setCurrentWidget(page)

    def currentWidget(self) -> QWidget | None:
        return self.stack.currentWidget()


class LongPressLabel(QLabel):
    """A label that emits `long_pressed` after being held (the discreet volunteer entry)."""

    long_pressed = Signal()

    def __init__(self, text: str = "", hold_ms: int = 1500) -> None:
        super().__init__(text)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(hold_ms)
        self._timer.timeout.connect(self.long_pressed.emit)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._timer.start()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._timer.stop()
        super().mouseReleaseEvent(event)


def scrolling(content: QWidget) -> QWidget:
    """Wrap a tall form so it scrolls instead of growing the window past the screen."""
    from PySide6.QtWidgets import QFrame, QScrollArea

    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.verticalScrollBar().setAccessibleName("scroll")
    area.setWidget(content)
    return area
