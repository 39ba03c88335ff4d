"""Font Awesome 5 icons ("fa5s.home", "fa5s.lock" …) drawn straight from the font file that the
qtawesome package ships, without importing qtawesome itself.

Why not `qtawesome.icon()`: importing qtawesome imports qtpy, which imports every Qt module it wraps
(QtGui and QtWidgets star-imports, QtDataVisualization …) — about a second on a village PC before the
locked screen could show its padlock, and tens of MB that the kiosk never uses. And its icon engine
paints the glyph again, in Python, every time a button repaints; this one keeps each painted pixmap.

The look is qtawesome's: the glyph at 0.875 of the icon's height, centred; disabled icons in the
palette's disabled text colour.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.util import find_spec
from pathlib import Path

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QGuiApplication,
    QIcon,
    QIconEngine,
    QPainter,
    QPalette,
    QPixmap,
)

FONTS: dict[str, tuple[str, str]] = {  # prefix → (font file, charmap) in qtawesome's fonts folder
    "fa5s": ("fontawesome5-solid-webfont-5.15.4.ttf", "fontawesome5-solid-webfont-charmap-5.15.4.json"),
    "fa5": ("fontawesome5-regular-webfont-5.15.4.ttf", "fontawesome5-regular-webfont-charmap-5.15.4.json"),
}
GLYPH_SHARE = 0.875  # qtawesome's: a 16 px icon draws a 14 px glyph (room for the font's bearing)


class IconError(ValueError):
    """An icon name that is not in the font (a typo in a screen or in the catalogue)."""


def _fonts_dir() -> Path:
    spec = find_spec("qtawesome")  # finds the package without running its __init__ (no qtpy)
    if spec is None or not spec.submodule_search_locations:
        raise IconError("the qtawesome package (its icon fonts) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "fonts"


@cache
def _font(prefix: str) -> tuple[str, dict[str, str]]:
    """Register the prefix's font once; its family name and its name → character map."""
    if prefix not in FONTS:
        raise IconError(f"unknown icon set {prefix!r}")
    ttf, charmap = FONTS[prefix]
    folder = _fonts_dir()
    font_id = QFontDatabase.addApplicationFont(str(folder / ttf))
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    if not families:
        raise IconError(f"icon font {ttf} could not be loaded")
    codes = json.loads((folder / charmap).read_text(encoding="utf-8"))
    return families[0], {name: chr(int(code, 16)) for name, code in codes.items()}


def _disabled_color() -> QColor:
    """qtawesome's colour for a disabled icon: the palette's disabled text."""
    app = QGuiApplication.instance()
    palette = app.palette() if isinstance(app, QGuiApplication) else QPalette()
    return palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)


class GlyphEngine(QIconEngine):
    """Paints one glyph in one colour; each (size, mode, state, device ratio) is painted only once."""

    def __init__(self, family: str, solid: bool, char: str, color: str) -> None:
        super().__init__()
        self._family, self._solid, self._char, self._color = family, solid, char, color
        self._pixmaps: dict[tuple[int, int, int, int, int], QPixmap] = {}

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        painter.save()
        painter.setPen(_disabled_color() if mode == QIcon.Mode.Disabled else QColor(self._color))
        font = QFont()
        font.setFamily(self._family)
        font.setPixelSize(max(1, round(GLYPH_SHARE * rect.height())))
        if self._solid:
            font.setStyleName("Solid")
        painter.setFont(font)
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), self._char)
        painter.restore()

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        # a disabled icon takes the palette's colour, which a theme change can change
        shade = _disabled_color().rgba() if mode == QIcon.Mode.Disabled else 0
        key = (size.width(), size.height(), int(mode.value), int(state.value), shade)
        cached = self._pixmaps.get(key)
        if cached is None:
            cached = QPixmap(size)
            cached.fill(Qt.GlobalColor.transparent)
            painter = QPainter(cached)
            self.paint(painter, QRect(QPoint(0, 0), size), mode, state)
            painter.end()
            self._pixmaps[key] = cached
        return cached

    def clone(self) -> QIconEngine:
        return GlyphEngine(self._family, self._solid, self._char, self._color)


_ICONS: dict[tuple[str, str], QIcon] = {}


def icon(name: str, color: str) -> QIcon:
    """The icon `name` ("fa5s.home") in `color` (any QColor name); the same QIcon for the same pair."""
    found = _ICONS.get((name, color))
    if found is None:
        prefix, _, glyph = name.partition(".")
        family, chars = _font(prefix)
        if glyph not in chars:
            raise IconError(f"no icon {name!r}")
        found = QIcon(GlyphEngine(family, prefix.endswith("s"), chars[glyph], color))
        _ICONS[(name, color)] = found
    return found
