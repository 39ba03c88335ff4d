"""Measuring live widgets for the tour manifest: geometry, font size and text/background contrast.

The text colour comes from the widget's live palette (the stylesheet is applied to it on polish);
the background is the most common colour actually painted in the widget's area of a window grab,
so it reflects whatever is really behind the text.

Each widget is also checked for fit: `offscreen` when any part lies outside the window, `clipped`
when its text (or a tile's icon and label) needs more room than the widget has, `scrolled` when a
scroll area shows only part of it, and `overlaps` names the measured widgets it collides with.
A tile also gets `icon_px`, the size its picture is drawn at (0 when the words took all its room).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QFontInfo, QFontMetrics, QImage, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollBar,
    QStyle,
    QStyleOptionFrame,
    QWidget,
)

from ui.theme import contrast_ratio
from ui.widgets import prop

INTERACTIVE = (QAbstractButton, QLineEdit, QPlainTextEdit, QComboBox, QAbstractSpinBox, QScrollBar)
SAMPLE = 16
SLACK_PX = 1  # rounding between a size hint and the laid-out size
LINE_EDIT_MARGIN = 2  # QLineEdit's own space on each side of its text (qlineedit_p.h)


def background_of(image: QImage, rect: QRect) -> QColor:
    rect = rect.intersected(image.rect())
    if rect.isEmpty():
        return QColor("white")
    small = image.copy(rect).scaled(
        SAMPLE, SAMPLE, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.FastTransformation
    )
    counts: Counter[int] = Counter(
        small.pixel(x, y) for y in range(small.height()) for x in range(small.width())
    )
    return QColor.fromRgb(counts.most_common(1)[0][0])


def _text_widget(widget: QWidget) -> QWidget:
    inner = getattr(widget, "text_label", None)
    return inner if isinstance(inner, QLabel) else widget


def _text(widget: QWidget) -> str:
    if isinstance(widget, QLabel | QAbstractButton | QLineEdit):
        return widget.text().replace("\u200b", "").strip()
    if isinstance(widget, QPlainTextEdit):
        return widget.toPlainText()
    if isinstance(widget, QComboBox):
        return widget.currentText()
    return ""


def foreground_of(widget: QWidget) -> QColor:
    group = QPalette.ColorGroup.Active if widget.isEnabled() else QPalette.ColorGroup.Disabled
    palette = widget.palette()
    if isinstance(widget, QLineEdit | QPlainTextEdit) and not _text(widget):
        return palette.color(group, QPalette.ColorRole.PlaceholderText)
    if isinstance(widget, QLineEdit | QPlainTextEdit | QComboBox | QAbstractSpinBox):
        return palette.color(group, QPalette.ColorRole.Text)
    if isinstance(widget, QAbstractButton) and not isinstance(widget, QCheckBox):
        return palette.color(group, QPalette.ColorRole.ButtonText)
    return palette.color(group, widget.foregroundRole())


def _has_interactive_ancestor(widget: QWidget, root: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None and parent is not root:
        if isinstance(parent, INTERACTIVE):
            return True
        parent = parent.parentWidget()
    return False


def _shown(widget: QWidget, root: QWidget) -> bool:
    if not widget.isVisibleTo(root) or widget.visibleRegion().isEmpty():
        return False
    return not (isinstance(widget, QLabel) and not widget.text())


def _longest_word_px(widget: QLabel) -> int:
    """Width of the widest piece a word-wrapping label cannot break (a Latin word, a URL part)."""
    metrics = QFontMetrics(widget.font())
    pieces = widget.text().replace("\u200b", " ").split()
    return max((metrics.horizontalAdvance(p) for p in pieces if p.isascii()), default=0)


def text_lines(widget: QWidget) -> int | None:
    """How many lines a word-wrapping label's text takes at its width (None: not such a label)."""
    if not (isinstance(widget, QLabel) and widget.wordWrap() and widget.text()):
        return None
    metrics = QFontMetrics(widget.font())
    box = QRect(0, 0, max(1, widget.contentsRect().width() - 2 * widget.margin()), 1 << 20)
    height = metrics.boundingRect(box, int(Qt.TextFlag.TextWordWrap), widget.text()).height()
    return max(1, round(height / metrics.lineSpacing()))


def text_fits(widget: QWidget) -> bool:
    """Whether everything the widget shows fits inside it, nothing cut or pushed out of its box."""
    if isinstance(widget, QLabel) and widget.text():
        inner = widget.contentsRect()
        margins = widget.width() - inner.width()
        if widget.wordWrap():
            if _longest_word_px(widget) + margins + 2 * widget.margin() > widget.width() + SLACK_PX:
                return False
            return widget.heightForWidth(widget.width()) <= widget.height() + SLACK_PX
        hint = widget.sizeHint()
        return hint.width() <= widget.width() + SLACK_PX and hint.height() <= widget.height() + SLACK_PX
    tile_label = getattr(widget, "text_label", None)
    if isinstance(tile_label, QLabel):  # a tile: its icon and label must both fit
        layout = widget.layout()
        if layout is not None:
            need = layout.minimumSize()
            if need.height() > widget.height() + SLACK_PX or need.width() > widget.width() + SLACK_PX:
                return False
        return text_fits(tile_label)
    if isinstance(widget, QLineEdit) and widget.displayText():
        # a line edit wider text scrolls sideways: the start of an ID number goes out of view
        option = QStyleOptionFrame()
        widget.initStyleOption(option)
        inside = widget.style().subElementRect(QStyle.SubElement.SE_LineEditContents, option, widget)
        text_margins = widget.textMargins()
        room = inside.width() - text_margins.left() - text_margins.right() - 2 * LINE_EDIT_MARGIN
        return bool(QFontMetrics(widget.font()).horizontalAdvance(widget.displayText()) <= room + SLACK_PX)
    if isinstance(widget, QComboBox):  # the chosen item's words and the arrow
        return bool(widget.sizeHint().width() <= widget.width() + SLACK_PX)
    if isinstance(widget, QAbstractButton) and widget.text().strip():
        # the width it asks for (text, icon, padding) and the height of its lines of text
        lines = widget.text().count("\n") + 1
        tall = QFontMetrics(widget.font()).lineSpacing() * lines
        return widget.sizeHint().width() <= widget.width() + SLACK_PX and tall <= widget.height() - 4
    return True


def icon_px(widget: QWidget) -> int | None:
    """The size a tile's picture is drawn at (0 when it gave way to the words), None for a widget
    that is not a tile."""
    icon = getattr(widget, "icon_widget", None)
    if not isinstance(icon, QLabel) or getattr(widget, "text_label", None) is None:
        return None
    pixmap = icon.pixmap()
    if pixmap.isNull() or not icon.isVisibleTo(widget):
        return 0
    ratio = pixmap.devicePixelRatio() or 1.0
    return round(min(pixmap.width(), pixmap.height()) / ratio)


def _overlapping(found: list[dict[str, Any]], widgets: list[QWidget]) -> None:
    """Record, per widget, the measured widgets (not its own ancestors or children) it collides with."""
    rects = [QRect(f["x"], f["y"], f["w"], f["h"]) for f in found]
    for i, a in enumerate(widgets):
        hits: list[str] = []
        for j, b in enumerate(widgets):
            if i == j or a.isAncestorOf(b) or b.isAncestorOf(a):
                continue
            if rects[i].intersects(rects[j]):
                hits.append(found[j]["accessible_name"] or found[j]["text"])
        found[i]["overlaps"] = hits


def collect(root: QWidget, image: QImage | None = None, screen: QRect | None = None) -> list[dict[str, Any]]:
    """Every visible widget with text or input under `root`, measured. `screen` is the display area
    the window is meant to fill (default: the window itself); a window grown past it leaves widgets
    off-screen."""
    image = image or root.grab().toImage()
    ratio = image.devicePixelRatio() or 1.0
    found: list[dict[str, Any]] = []
    measured: list[QWidget] = []
    window = screen if screen is not None else root.rect()
    # A visible overlay (the idle card) covers everything else: only what it shows can be seen.
    overlays = [w for w in root.findChildren(QWidget) if prop(w, "overlay") and w.isVisible()]
    search = overlays[-1] if overlays else root
    for widget in search.findChildren(QWidget):
        interactive = isinstance(widget, INTERACTIVE)
        if not (interactive or isinstance(widget, QLabel | QCheckBox)) or not _shown(widget, root):
            continue
        if interactive and _has_interactive_ancestor(widget, root):
            continue
        if (
            not interactive
            and _has_interactive_ancestor(widget, root)
            and getattr(widget.parentWidget(), "text_label", None) is widget
        ):
            continue  # a tile's own label: measured as part of its tile
        top_left = widget.mapTo(root, QPoint(0, 0))
        visible = widget.visibleRegion().boundingRect()
        scrolled = visible.size() != widget.size()
        full = QRect(top_left, widget.size())
        rect = QRect(top_left + visible.topLeft(), visible.size()) if scrolled else full
        source = _text_widget(widget)
        font = source.font()
        scaled = QRect(
            round(rect.x() * ratio),
            round(rect.y() * ratio),
            round(rect.width() * ratio),
            round(rect.height() * ratio),
        )
        text_rect = QRect(source.mapTo(root, QPoint(0, 0)), source.size()) if source is not widget else rect
        bg = background_of(image, text_rect if source is not widget else scaled)
        fg = foreground_of(source)
        has_text = bool(_text(source)) or isinstance(widget, QLineEdit | QPlainTextEdit)
        if scrolled and rect.height() < QFontInfo(font).pixelSize():
            has_text = False  # scrolled to a sliver: no text in view to read (its border is no background)
        found.append(
            {
                "accessible_name": widget.accessibleName(),
                "class": type(widget).__name__,
                "text": _text(source)[:80],
                "interactive": interactive,
                "enabled": widget.isEnabled(),
                "clipped": not text_fits(widget),  # its text (or icon) needs more room than it has
                "icon_px": icon_px(widget),  # a tile's picture (0: none drawn); None: not a tile
                "lines": text_lines(widget),  # a word-wrapping label's lines of text
                "scrolled": scrolled,  # partly scrolled out of view: geometry is the visible part
                "offscreen": not window.contains(rect),
                "x": rect.x(),
                "y": rect.y(),
                "w": rect.width(),
                "h": rect.height(),
                "font_px": QFontInfo(font).pixelSize(),
                "font_pt": round(font.pointSizeF(), 1),
                "contrast": round(contrast_ratio(fg, bg), 2) if has_text else None,
                "fg": fg.name(),
                "bg": bg.name(),
            }
        )
        measured.append(widget)
    _overlapping(found, measured)
    return found
