"""The handwriting box follows the theme: white paper and dark ink by default, black paper and
white ink in high contrast (it stayed white there), the ink at least 7:1 on the paper — read from
the box's own pixels after a character is written with real mouse strokes."""

from __future__ import annotations

from collections import Counter

import pytest
from PySide6.QtGui import QColor

from tests.ui.conftest import ALONE_ID, Kiosk
from tests.ui.text_steps import draw, open_description
from ui.theme import HIGH_CONTRAST, WARM, contrast_ratio


def _paper_and_ink(canvas: object) -> tuple[QColor, QColor]:
    """The most common colour inside the box (the paper) and the most common one far from it
    (the ink of the strokes)."""
    image = canvas.grab().toImage()  # type: ignore[attr-defined]
    box = canvas.box().toRect().adjusted(8, 8, -8, -8)  # type: ignore[attr-defined]
    counts: Counter[int] = Counter(
        image.pixel(x, y)
        for y in range(box.top(), box.bottom(), 2)
        for x in range(box.left(), box.right(), 2)
    )
    paper = QColor.fromRgb(counts.most_common(1)[0][0])
    far = [(n, rgb) for rgb, n in counts.items() if contrast_ratio(QColor.fromRgb(rgb), paper) > 3]
    assert far, "no ink on the pad"
    return paper, QColor.fromRgb(max(far)[1])


@pytest.mark.parametrize("theme", ["default", "high_contrast"])
def test_the_pad_paper_and_ink_follow_the_theme(kiosk: Kiosk, theme: str) -> None:
    kiosk.ctx.set_theme(theme)
    page = open_description(kiosk, ALONE_ID)
    draw(kiosk, page.pad.canvas, "十")
    kiosk.settle()
    paper, ink = _paper_and_ink(page.pad.canvas)
    palette = WARM if theme == "default" else HIGH_CONTRAST
    assert paper.name().upper() == palette.card.upper()
    assert ink.name().upper() == palette.text.upper()
    assert contrast_ratio(ink, paper) >= 7.0
