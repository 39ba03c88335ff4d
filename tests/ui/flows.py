"""Driving a catalogue service through the real screens, step by step, as a resident would."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QPlainTextEdit, QWidget

from models.catalogue import pick
from ui.navigator import ScreenKey

DESCRIPTION = "村口路灯坏了三天了，晚上很黑"


def type_text(widget: QWidget, text: str) -> None:
    """Type Chinese the way an input method does (QTest.keyClicks handles ASCII keys only)."""
    widget.setFocus()
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget.focusProxy() or widget, event)


def type_id(kiosk: Any, number: str) -> None:
    page = kiosk.nav.current.page
    for key in number:
        kiosk.click(page.keypad.buttons[key])


def start_problem_report(kiosk: Any, id_number: str) -> Any:
    """Problem report → identify → the second category: the service screen, on the description step."""
    service = kiosk.ctx.catalogue.get("problem_report")
    kiosk.click(kiosk.ctx.pick(service.title))
    type_id(kiosk, id_number)
    kiosk.click(kiosk.tr("identify.confirm"))
    kiosk.click(kiosk.ctx.pick(service.steps[1].options[1].label))
    return kiosk.nav.current


def run_service(kiosk: Any, service_id: str, id_number: str) -> Any:
    """Open the service from home and complete every step by clicks. Returns the receipt screen."""
    ctx = kiosk.ctx
    service = ctx.catalogue.get(service_id)
    kiosk.click(pick(service.title, ctx.locale))
    screen = kiosk.nav.current
    assert kiosk.nav.current_key == ScreenKey.SERVICE
    for step in service.steps:
        page = screen.page
        assert page.step is step, f"expected step {step.id}, on {page.step.id}"
        if step.kind == "identify":
            type_id(kiosk, id_number)
            kiosk.click(kiosk.tr("identify.confirm"))
        elif step.kind == "choose":
            kiosk.click(pick(step.options[0].label, ctx.locale))
        elif step.kind == "text":
            edit = page.findChild(QPlainTextEdit)
            type_text(edit, DESCRIPTION)
            kiosk.click(kiosk.tr("step.next"))
        elif step.kind == "date_slot":
            kiosk.qtbot.waitUntil(lambda p=page: bool(p.slots))  # the slots from the database
            kiosk.click(page.buttons[0])
        elif step.kind == "photo":
            kiosk.click(kiosk.tr("photo.skip"))
        elif step.kind == "consent":
            kiosk.click(kiosk.tr("consent.yes"))
        elif step.kind == "confirm" and step.style == "checkin":
            kiosk.click(page.fine)
        elif step.kind == "confirm":
            kiosk.click(kiosk.tr("confirm.submit"))
    kiosk.settle()
    return kiosk.nav.current
