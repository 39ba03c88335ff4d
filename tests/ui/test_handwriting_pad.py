"""The handwriting pad on the description step, driven with real mouse strokes and the real Zinnia
model: candidates as big buttons, a tap appends one character, bad input gets a kind message."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from tests.ui.conftest import ALONE_ID, Kiosk
from tests.ui.text_steps import draw, open_description, shot


def test_written_characters_are_appended_by_tapping_big_candidates(kiosk: Kiosk) -> None:
    page = open_description(kiosk, ALONE_ID)
    pad = page.pad
    assert page.mode == "write" and pad.isVisible()
    draw(kiosk, pad.canvas, "十")
    kiosk.settle()
    first = pad.buttons[0]
    assert first.text().strip() == "十"
    for b in pad.buttons:  # the target sizes: ≥ 64 px and ≥ 36 pt
        assert b.width() >= 64 and b.height() >= 64
        assert b.font().pointSizeF() >= 36 or b.font().pixelSize() >= 48
    shot(kiosk, "pad-candidates-1920")
    kiosk.click(first)
    assert page.edit.toPlainText() == "十"
    assert pad.canvas.strokes == [] and pad.buttons[0].text() == ""  # ready for the next character
    draw(kiosk, pad.canvas, "三")
    kiosk.settle()
    kiosk.click(pad.buttons[0])
    assert page.edit.toPlainText() == "十三"
    kiosk.click(kiosk.tr("handwriting.delete"))
    assert page.edit.toPlainText() == "十"


def test_empty_pad_and_strokes_off_the_pad_get_kind_words(kiosk: Kiosk) -> None:
    page = open_description(kiosk, ALONE_ID)
    pad = page.pad
    page.edit.setPlainText("路灯")
    kiosk.click(pad.buttons[0])  # nothing written yet
    assert pad.status.text() == kiosk.tr("handwriting.empty")
    # A stroke that starts in the box and runs far past its right edge is kept (clamped), not lost.
    box = pad.canvas.box()
    y = round(box.y() + box.height() * 0.5)
    start = QPoint(round(box.x() + box.width() * 0.1), y)
    QTest.mousePress(pad.canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for k in range(1, 30):
        QTest.mouseMove(pad.canvas, QPoint(start.x() + k * round(box.width() / 12), y))
    QTest.mouseRelease(
        pad.canvas,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
        QPoint(start.x() + 30 * round(box.width() / 12), y),
    )
    kiosk.settle()
    assert pad.status.text() == kiosk.tr("handwriting.outside")
    assert pad.buttons[0].text().strip() == "一"
    kiosk.click(kiosk.tr("handwriting.rewrite"))
    assert pad.canvas.strokes == [] and page.edit.toPlainText() == "路灯"  # nothing already entered is lost


def test_the_three_ways_in_at_1366(kiosk: Kiosk) -> None:
    kiosk.window.resize(1366, 768)
    page = open_description(kiosk, ALONE_ID)
    for mode in ("write", "voice", "keys"):
        b = page.mode_buttons[mode]
        assert b.isVisible() and b.height() >= 64 and b.width() >= 64
    draw(kiosk, page.pad.canvas, "口")
    kiosk.settle()
    assert "口" in [b.text().strip() for b in page.pad.buttons[:3] if b.isVisible()]
    shot(kiosk, "pad-candidates-1366")
    # The whole page fits: the 下一步 button is on screen.
    nxt = page.next_button
    bottom = nxt.mapTo(kiosk.window, QPoint(0, nxt.height())).y()
    assert nxt.isVisible() and bottom <= 768
