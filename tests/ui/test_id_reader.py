"""A desk ID-card reader in keyboard mode, on the real kiosk: key presses sent at a reader's pace (5 ms
apart on a controlled clock) fill the number and move past identify; the same keys at a person's pace
(200 ms apart) are typing, digit by digit, onto the keypad's display; a 17-character burst and one with
a wrong check digit get the keypad's own message and keep what was typed. The volunteers' resident
form takes a scan the same way, whichever field has the focus."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from models.validation import ID_CHECKSUM, ID_LENGTH
from tests.ui.conftest import ALONE_ID, VOLUNTEER_PIN, Kiosk
from tests.ui.flows import type_id
from ui.navigator import ScreenKey


class Clock:
    """Seconds that move only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _key(ch: str) -> int:
    if ch == "\n":
        return int(Qt.Key.Key_Return.value)
    if ch == "\b":
        return int(Qt.Key.Key_Backspace.value)
    return int(Qt.Key.Key_X.value) if ch.upper() == "X" else int(Qt.Key.Key_0.value) + int(ch)


def send_keys(page: Any, clock: Clock, text: str, gap_s: float) -> None:
    """Press and release each key as a keyboard would, `gap_s` apart, to whatever has the focus."""
    for ch in text:
        clock.now += gap_s
        target = QApplication.focusWidget() or page
        code = _key(ch)
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(
                target, QKeyEvent(kind, code, Qt.KeyboardModifier.NoModifier, "\r" if ch == "\n" else ch)
            )


def _identify(kiosk: Kiosk) -> tuple[Any, Any, Clock, list[str]]:
    kiosk.click(kiosk.ctx.pick(kiosk.ctx.catalogue.get("problem_report").title))
    screen = kiosk.nav.current
    page = screen.page
    assert page.step.kind == "identify"
    clock = Clock()
    page.reader.clock = clock
    scans: list[str] = []
    page.reader.scanned.connect(scans.append)
    return screen, page, clock, scans


def test_reader_burst_fills_the_number_and_moves_on(kiosk: Kiosk) -> None:
    screen, page, clock, scans = _identify(kiosk)
    send_keys(page, clock, ALONE_ID + "\n", 0.005)
    kiosk.settle()
    assert scans == [ALONE_ID]  # taken as one scan, not as 18 typed digits
    assert screen.resident is not None and screen.resident.id_number == ALONE_ID
    assert screen.page.step.kind != "identify"


def test_human_typing_goes_digit_by_digit_to_the_keypad(kiosk: Kiosk) -> None:
    _screen, page, clock, scans = _identify(kiosk)
    send_keys(page, clock, "12\b", 0.2)  # a physical keyboard's digits and Backspace act on the keypad
    kiosk.qtbot.waitUntil(lambda: page.raw == "1", timeout=2000)
    send_keys(page, clock, "\b" + ALONE_ID[:10], 0.2)
    # Each slow key hands the one before it on at once; only the newest waits out the 50 ms hold.
    assert page.raw == ALONE_ID[:9] and page.display.text().replace(" ", "") == ALONE_ID[:9]
    send_keys(page, clock, ALONE_ID[10:] + "\n", 0.2)  # the whole 18 and Enter, at a person's pace
    kiosk.settle()
    assert scans == []  # a person's pace never looks like a reader
    assert kiosk.nav.current.resident.id_number == ALONE_ID  # typed, then Enter confirmed
    assert kiosk.nav.current.page.step.kind != "identify"


def test_bad_bursts_get_the_keypad_message_and_keep_the_typing(kiosk: Kiosk) -> None:
    screen, page, clock, scans = _identify(kiosk)
    type_id(kiosk, "1101")
    send_keys(page, clock, ALONE_ID[:17] + "\n", 0.005)  # a reader that drops the last character
    kiosk.settle()
    assert page.error.isVisible() and page.error.text() == ID_LENGTH.message("zh_CN")
    assert page.raw == "1101" and screen.page is page
    wrong = ALONE_ID[:-1] + ("1" if ALONE_ID[-1] != "1" else "2")
    clock.now += 1
    send_keys(page, clock, wrong + "\n", 0.005)
    kiosk.settle()
    assert page.error.text() == ID_CHECKSUM.message("zh_CN")
    assert page.raw == "1101" and page.display.text().replace(" ", "") == "1101"
    assert scans == [ALONE_ID[:17], wrong]
    assert screen.resident is None and screen.page is page


def test_resident_form_takes_a_scan_from_any_field(kiosk: Kiosk) -> None:
    kiosk.window.name_label.long_pressed.emit()
    pin = kiosk.nav.current
    if pin.stage == "who":  # tap your name first, then the PIN
        kiosk.qtbot.waitUntil(lambda: bool(pin.name_buttons))
        kiosk.click("王志愿")
    for digit in VOLUNTEER_PIN:
        kiosk.click(pin.keypad.buttons[digit])
    kiosk.click(kiosk.tr("pin.ok"))
    kiosk.click(kiosk.tr("staff.resident"))
    assert kiosk.nav.current_key == ScreenKey.RESIDENT_FORM
    form = kiosk.nav.current
    clock = Clock()
    form.reader.clock = clock
    scans: list[str] = []
    form.reader.scanned.connect(scans.append)
    phone = form.inputs["phone"]
    phone.setFocus()
    send_keys(form, clock, "139", 0.2)  # a volunteer typing into the focused field
    kiosk.qtbot.waitUntil(lambda: phone.text() == "139", timeout=2000)
    clock.now += 1
    send_keys(form, clock, ALONE_ID[:17] + "\n", 0.005)
    kiosk.settle()
    said = kiosk.tr(
        "resident.field_error",
        field=kiosk.tr("resident.id_number"),
        message=kiosk.tr("resident.id_problem.id_length"),
    )  # the form's own words for 17 digits
    assert form.field_errors["id_number"].isVisible() and form.field_errors["id_number"].text() == said
    assert "18" in said
    assert phone.text() == "139" and form.inputs["id_number"].text() == ""  # nothing typed is lost
    clock.now += 1
    send_keys(form, clock, ALONE_ID + "\n", 0.005)
    kiosk.settle()
    assert scans == [ALONE_ID[:17], ALONE_ID]
    assert form.inputs["id_number"].text() == ALONE_ID and form.inputs["name"].text() == "张桂英"
    assert form.message.text() == kiosk.tr("resident.editing", name="张桂英")
    assert not form.field_errors["id_number"].isVisible()
