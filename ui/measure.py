"""Measuring live widgets for the tour manifest: geometry, font size and text/background contrast.

The text colour comes from the widget's live palette (the stylesheet is applied to it on polish);
the background is the most common colour actually painted in the widget's area of a window grab,
so it reflects whatever is really behind the text.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QFontInfo, QImage, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollBar,
    QWidget,
)

from ui.theme import contrast_ratio
from ui.widgets import prop

INTERACTIVE = (QAbstractButton, QLineEdit, QPlainTextEdit, QComboBox, QAbstractSpinBox, QScrollBar)
SAMPLE = 32


def background_of(image: QImage, rect: QRect) -> QColor:
    rect = rect.intersected(image.rect())
    if rect.isEmpty():
        return QColor("white")
    small = image.copy(rect).scaled(SAMPLE, SAMPLE, Qt.AspectRatioMode.IgnoreAspectRatio,
                                    Qt.TransformationMode.FastTransformation)
    counts: Counter[int] = Counter(small.pixel(x, y) for y in range(small.height()) for x in range(small.width()))
    return QColor.fromRgb(counts.most_common(1)[0][0])


def _text_widget(widget: QWidget) -> QWidget:
    inner = getattr(widget, "text_label", None)
    return inner if isinstance(inner, QLabel) else widget


def _text(widget: QWidget) -> str:
    if isinstance(widget, QLabel | QAbstractButton | QLineEdit):
        return widget.text().strip()
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


def collect(root: QWidget, image: QImage | None = None) -> list[dict[str, Any]]:
    """Every visible widget with text or input under `root`, measured."""
    image = image or root.grab().toImage()
    ratio = image.devicePixelRatio() or 1.0
    found: list[dict[str, Any]] = []
    # A visible overlay (the idle card) covers everything else: only what it shows can be seen.
    overlays = [w for w in root.findChildren(QWidget) if prop(w, "overlay") and w.isVisible()]
    search = overlays[-1] if overlays else root
    for widget in search.findChildren(QWidget):
        interactive = isinstance(widget, INTERACTIVE)
        if not (interactive or isinstance(widget, QLabel | QCheckBox)) or not _shown(widget, root):
            continue
        if interactive and _has_interactive_ancestor(widget, root):
            continue
        if not interactive and _has_interactive_ancestor(widget, root) and getattr(
                widget.parentWidget(), "text_label", None) is widget:
            continue  # a tile's own label: measured as part of its tile
        top_left = widget.mapTo(root, QPoint(0, 0))
        visible = widget.visibleRegion().boundingRect()
        clipped = visible.size() != widget.size()
        rect = QRect(top_left + visible.topLeft(), visible.size()) if clipped else QRect(top_left, widget.size())
        source = _text_widget(widget)
        font = source.font()
        scaled = QRect(round(rect.x() * ratio), round(rect.y() * ratio), round(rect.width() * ratio),
                       round(rect.height() * ratio))
        text_rect = QRect(source.mapTo(root, QPoint(0, 0)), source.size()) if source is not widget else rect
        bg = background_of(image, text_rect if source is not widget else scaled)
        fg = foreground_of(source)
        has_text = bool(_text(source)) or isinstance(widget, QLineEdit | QPlainTextEdit)
        found.append({
            "accessible_name": widget.accessibleName(),
            "class": type(widget).__name__,
            "text": _text(source)[:80],
            "interactive": interactive,
            "enabled": widget.isEnabled(),
            "clipped": clipped,  # partly scrolled out of view: geometry is the visible part
            "x": rect.x(), "y": rect.y(), "w": rect.width(), "h": rect.height(),
            "font_px": QFontInfo(font).pixelSize(),
            "font_pt": round(font.pointSizeF(), 1),
            "contrast": round(contrast_ratio(fg, bg), 2) if has_text else None,
            "fg": fg.name(), "bg": bg.name(),
        })
    return found
