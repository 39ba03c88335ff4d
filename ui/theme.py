"""Look: the calm default palette, a high-contrast palette, text sizes (scaled by 字号) and the one
application stylesheet built from them. Text sizes are in pt so DPI scaling holds; sizes of touch
targets are in px at the 1920×1080 reference and grow with the text scale.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QFont, QFontDatabase, QPalette

SCALES: tuple[float, ...] = (1.0, 1.15, 1.3)
CJK_FAMILIES = {
    "zh_CN": [
        "Noto Sans CJK SC",
        "Source Han Sans SC",
        "WenQuanYi Micro Hei",
        "Microsoft YaHei",
        "PingFang SC",
    ],
    "en": ["Noto Sans CJK SC", "Noto Sans", "WenQuanYi Micro Hei", "Microsoft YaHei", "Segoe UI"],
    "ko": [
        "Noto Sans CJK KR",
        "Source Han Sans KR",
        "Malgun Gothic",
        "Noto Sans CJK SC",
        "WenQuanYi Micro Hei",
    ],
}


@dataclass(frozen=True)
class Palette:
    name: str
    window: str  # page background
    text: str  # body text
    muted: str  # secondary text (still ≥ 7:1)
    card: str  # tiles and list rows
    card_border: str
    bar: str  # bottom-bar buttons
    bar_text: str
    primary: str  # the one main action on a screen
    primary_text: str
    urgent: str  # 一键呼叫
    urgent_text: str
    error_bg: str
    error_text: str
    ok_text: str  # "online", success words (always with an icon and a word)
    focus: str


WARM = Palette(
    name="default",
    window="#FAF7F0",
    text="#1A1A1A",
    muted="#333333",
    card="#FFFFFF",
    card_border="#CFC6B4",
    bar="#E9E3D5",
    bar_text="#141414",
    primary="#17406B",
    primary_text="#FFFFFF",
    urgent="#8E0B0B",
    urgent_text="#FFFFFF",
    error_bg="#FCE8E6",
    error_text="#7A0A0A",
    ok_text="#0B4A1C",
    focus="#B35C00",
)
HIGH_CONTRAST = Palette(
    name="high_contrast",
    window="#000000",
    text="#FFFFFF",
    muted="#FFFFFF",
    card="#000000",
    card_border="#FFFFFF",
    bar="#000000",
    bar_text="#FFE600",
    primary="#FFE600",
    primary_text="#000000",
    urgent="#FFE600",
    urgent_text="#000000",
    error_bg="#000000",
    error_text="#FFE600",
    ok_text="#FFFFFF",
    focus="#00E5FF",
)
PALETTES = {p.name: p for p in (WARM, HIGH_CONTRAST)}


@dataclass(frozen=True)
class Sizes:
    """Point sizes at scale 1.0: body ≥ 18 pt and headings ≥ 30 pt (MIIT elder-mode spec)."""

    body: float = 22
    small: float = 20
    button: float = 24
    tile: float = 30
    h2: float = 30
    h1: float = 36
    huge: float = 72
    target: int = 80  # min height of an ordinary button, px
    gap: int = 16  # spacing between controls, px
    tall: int = 110  # min height of a screen's main buttons (提交, 同意 …), px
    huge_target: int = 220  # min height of the one huge answer (我今天很好, 按住说话), px
    key: int = 72  # min height of a keypad key, px
    key_font: float = 36  # keypad digits, pt
    grow_targets: bool = True  # whether the px heights above grow with the text size as well


REGULAR = Sizes()
# The cheap village panels (1366×768, 1280×800) and portrait kiosks (1080 wide): the same rules
# (body ≥ 18 pt, headings ≥ 30 pt, targets ≥ 64 px) at the smallest sizes that still meet them.
COMPACT = Sizes(
    body=18,
    small=18,
    button=19,
    tile=22,
    h2=22,
    h1=30,
    huge=48,
    target=64,
    gap=12,
    tall=72,
    huge_target=120,
    key=56,
    key_font=26,
    # On a small panel only the words grow with 字号 (a button still grows to fit them): heights
    # scaled as well left the free-text step no room for its buttons at the largest size.
    grow_targets=False,
)


def sizes_for(width: int, height: int) -> Sizes:
    """The size set for a window: full sizes from 1600×1000 up, compact below (or when portrait)."""
    return REGULAR if width >= 1600 and height >= 1000 else COMPACT


def gap(sizes: Sizes, regular: int) -> int:
    """Space between the parts of a page: `regular` px with the full sizes, the size set's own
    (smaller) gap on a small panel, where height is short."""
    return regular if sizes == REGULAR else min(regular, sizes.gap)


def contrast_ratio(a: QColor, b: QColor) -> float:
    """WCAG 2 contrast ratio of two opaque colours."""

    def lum(c: QColor) -> float:
        def chan(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        return 0.2126 * chan(c.redF()) + 0.7152 * chan(c.greenF()) + 0.0722 * chan(c.blueF())

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def pick_family(locale: str) -> str:
    available = set(QFontDatabase.families())
    for family in CJK_FAMILIES.get(locale, CJK_FAMILIES["zh_CN"]):
        if family in available:
            return family
    return QFont().family()


def px(value: int, scale: float) -> int:
    return round(value * scale)


def stylesheet(p: Palette, scale: float, family: str, sizes: Sizes = Sizes()) -> str:
    def pt(v: float) -> str:
        return f"{v * scale:.1f}pt"

    grow = scale if sizes.grow_targets else 1.0
    target = px(sizes.target, grow)
    # A backslash at a line's end continues the rule on the next line (keeps lines ≤ 110 columns).
    return f"""
* {{ font-family: "{family}"; color: {p.text}; }}
QWidget#shell, QWidget[page="true"], QScrollArea, QScrollArea > QWidget > QWidget {{\
 background: {p.window}; }}
QLabel {{ font-size: {pt(sizes.body)}; background: transparent; }}
QLabel[role="h1"] {{ font-size: {pt(sizes.h1)}; font-weight: bold; }}
QLabel[role="h2"] {{ font-size: {pt(sizes.h2)}; font-weight: bold; }}
QLabel[role="huge"] {{ font-size: {pt(sizes.huge)}; font-weight: bold; color: {p.text}; }}
QLabel[role="muted"] {{ color: {p.muted}; font-size: {pt(sizes.small)}; }}
QLabel[role="tile"] {{ font-size: {pt(sizes.tile)}; font-weight: bold; }}
QLabel[role="online"] {{ color: {p.ok_text}; font-size: {pt(sizes.small)}; font-weight: bold; }}
QLabel[role="offline"] {{ color: {p.text}; font-size: {pt(sizes.small)}; font-weight: bold; }}
QLabel[role="error"] {{ color: {p.error_text}; background: {p.error_bg}; border: 2px solid {p.error_text};
    border-radius: 10px; padding: 12px 18px; font-size: {pt(sizes.body)}; font-weight: bold; }}
QLabel[role="card"], QFrame[role="card"] {{ background: {p.card}; border: 2px solid {p.card_border};\
 border-radius: 14px; }}
QLabel[role="card"] {{ padding: 14px 20px; }}
QLabel[role="summary"] {{ background: {p.card}; border: 2px solid {p.card_border}; border-radius: 14px;
    padding: 18px 28px; font-size: {pt(sizes.h2 - 4)}; }}
QLabel[role="urgent"] {{ color: {p.urgent_text}; font-size: {pt(sizes.tile)}; font-weight: bold; }}
QLabel[role="urgent_small"] {{ color: {p.urgent_text}; font-size: {pt(sizes.body)}; }}
QPushButton {{ font-size: {pt(sizes.button)}; min-height: {target}px; min-width: {target}px;\
 padding: 6px 22px;
    background: {p.bar}; color: {p.bar_text}; border: 2px solid {p.card_border}; border-radius: 14px; }}
QPushButton:disabled {{ color: {p.bar_text}; background: {p.bar}; border-style: dashed; }}
QPushButton:focus {{ border: 4px solid {p.focus}; }}
QPushButton[role="primary"] {{ background: {p.primary}; color: {p.primary_text};\
 border-color: {p.primary}; font-weight: bold; }}
QPushButton[role="primary"]:focus {{ border: 4px solid {p.focus}; }}
QPushButton[role="tile"], QPushButton[role="option"] {{ background: {p.card}; color: {p.text};\
 border: 2px solid {p.card_border}; }}
QPushButton[role="option"] {{ font-size: {pt(sizes.tile)}; font-weight: bold; text-align: left;\
 padding-left: 28px; }}
QPushButton[role="urgent"] {{ background: {p.urgent}; color: {p.urgent_text}; border: 2px solid {p.urgent}; }}
QPushButton[role="key"] {{ background: {p.card}; color: {p.text}; font-size: {pt(sizes.key_font)};\
 font-weight: bold;
    min-height: {max(64, px(sizes.key, grow))}px; padding: 2px 8px; }}
QPushButton[role="key"][word="true"] {{ font-size: {pt(sizes.button)}; }}
QPushButton[role="huge"] {{ background: {p.primary}; color: {p.primary_text}; font-size: {pt(sizes.h1 + 8)};
    font-weight: bold; border-radius: 24px; min-height: {px(sizes.huge_target, grow)}px; }}
QPushButton[role="huge"][short="true"] {{ min-height: {px(sizes.tall, grow)}px; }}
QPushButton[role="bar"] {{ font-weight: bold; font-size: {pt(sizes.button)}; padding: 4px 12px;
    min-height: {max(64, sizes.target)}px; }}
QPushButton[tall="true"] {{ min-height: {px(sizes.tall, grow)}px; }}
QPushButton:pressed, QPushButton[role="tile"]:pressed, QPushButton[role="option"]:pressed,
QPushButton[role="key"]:pressed {{ background: {p.card_border}; border: 4px solid {p.text}; }}
QPushButton[role="primary"]:pressed, QPushButton[role="huge"]:pressed, QPushButton[role="urgent"]:pressed {{
    background: {p.text}; color: {p.window}; border: 4px solid {p.focus}; }}
QLineEdit, QPlainTextEdit, QComboBox, QSpinBox, QDoubleSpinBox {{ font-size: {pt(sizes.body)};\
 background: {p.card};
    color: {p.text}; border: 2px solid {p.card_border}; border-radius: 10px; padding: 8px 12px;\
 min-height: {target - 20}px; }}
QLineEdit[role="display"] {{ font-size: {pt(sizes.h1)}; font-weight: bold; letter-spacing: 2px;\
 min-height: {target}px; }}
QLineEdit:focus, QPlainTextEdit:focus {{ border: 4px solid {p.focus}; }}
QCheckBox {{ font-size: {pt(sizes.body)}; min-height: {max(64, target - 16)}px; spacing: 16px;\
 background: transparent; }}
QCheckBox::indicator {{ width: {px(44, scale)}px; height: {px(44, scale)}px; border: 3px solid {p.text};
    border-radius: 6px; background: {p.card}; }}
QCheckBox::indicator:checked {{ background: {p.primary}; border-color: {p.primary}; }}
QPlainTextEdit[role="big"] {{ font-size: {pt(sizes.h2)}; }}
QComboBox QAbstractItemView {{ font-size: {pt(sizes.body)}; background: {p.card}; color: {p.text}; }}
QScrollBar:vertical {{ width: {px(64, scale)}px; background: {p.bar}; }}
QScrollBar::handle:vertical {{ background: {p.muted}; min-height: 80px; border-radius: 8px; }}
QFrame#bottombar, QFrame#header {{ background: {p.window}; }}
QFrame#idlecard {{ background: {p.card}; border: 4px solid {p.text}; border-radius: 28px; }}
QWidget#overlay {{ background: {p.window}; }}
"""


def qpalette(p: Palette) -> QPalette:
    """The application palette matching the stylesheet (placeholder text is not styleable in QSS)."""
    palette = QPalette()
    for role, color in (
        (QPalette.ColorRole.Window, p.window),
        (QPalette.ColorRole.WindowText, p.text),
        (QPalette.ColorRole.Base, p.card),
        (QPalette.ColorRole.Text, p.text),
        (QPalette.ColorRole.Button, p.bar),
        (QPalette.ColorRole.ButtonText, p.bar_text),
        (QPalette.ColorRole.PlaceholderText, p.muted),
        (QPalette.ColorRole.Highlight, p.primary),
        (QPalette.ColorRole.HighlightedText, p.primary_text),
    ):
        for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive, QPalette.ColorGroup.Disabled):
            palette.setColor(group, role, QColor(color))
    return palette
