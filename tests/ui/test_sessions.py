"""Sessions that end: the idle reset ends a volunteer's session and its card hides everything
behind it; sign-in is name first, then that person's PIN; a PIN names one person; what a volunteer
does is audited under them; settings are big choices, saving stays put and says so, and leaving the
program asks first."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QRect
from sqlalchemy import select

from models.schema import AuditEvent
from models.station import SYSTEM
from models.validation import ValidationError
from tests.ui.conftest import ADMIN_PIN, ALONE_ID, VOLUNTEER_PIN, Kiosk
from tests.ui.flows import type_id
from tests.ui.test_behaviour import _enter_pin, _open_pin
from ui.navigator import ScreenKey


def test_idle_reset_ends_the_volunteer_session(kiosk: Kiosk) -> None:
    _enter_pin(kiosk, _open_pin(kiosk), VOLUNTEER_PIN)
    assert kiosk.ctx.staff is not None and kiosk.nav.current_key == ScreenKey.STAFF
    kiosk.window.idle.trigger()
    kiosk.window.idle.expired.emit()  # nobody answered the idle card
    kiosk.settle()
    assert kiosk.ctx.staff is None and kiosk.ctx.actor.label == "kiosk"
    assert kiosk.nav.current_key == ScreenKey.HOME
    kiosk.window.open_staff()  # the long press now asks for a PIN again
    assert kiosk.nav.current_key == ScreenKey.PIN


def test_idle_card_hides_name_id_and_typing(kiosk: Kiosk) -> None:
    kiosk.click(kiosk.ctx.pick(kiosk.ctx.catalogue.get("problem_report").title))
    type_id(kiosk, ALONE_ID)
    kiosk.click(kiosk.tr("identify.confirm"))
    screen = kiosk.nav.current
    who = screen.who
    assert who.isVisible() and "张桂英" in who.text()
    area = QRect(who.mapTo(kiosk.window, who.rect().topLeft()), who.size())
    kiosk.window.idle.trigger()
    card = kiosk.window.idle_card
    assert card.geometry() == kiosk.window.rect()
    before = kiosk.window.grab(area).toImage()
    who.setText("李四（3201**********0000）")  # if anything showed through, the picture would change
    after = kiosk.window.grab(area).toImage()
    assert before == after


def test_sign_in_is_name_then_pin_and_another_persons_pin_is_refused(kiosk: Kiosk) -> None:
    screen = _open_pin(kiosk)
    kiosk.qtbot.waitUntil(lambda: len(screen.name_buttons) == 2)
    assert screen.stage == "who" and not screen.keypad.isVisible()
    kiosk.click("王志愿")
    assert screen.stage == "pin" and "王志愿" in screen.title.text()
    for digit in ADMIN_PIN:  # the admin's PIN typed under the volunteer's name
        kiosk.click(screen.keypad.buttons[digit])
    kiosk.click(kiosk.tr("pin.ok"))
    assert kiosk.ctx.staff is None and screen.error.text() == kiosk.tr("pin.wrong")
    kiosk.click(kiosk.tr("bar.back"))  # back to the names
    assert screen.stage == "who"
    _enter_pin(kiosk, screen, VOLUNTEER_PIN, "王志愿")
    staff = kiosk.ctx.staff
    assert staff is not None and staff.name == "王志愿"
    assert kiosk.ctx.actor.label == f"volunteer:{staff.id}"
    with kiosk.station.read() as session:
        actors = [
            e.actor
            for e in session.execute(select(AuditEvent).where(AuditEvent.action == "sign_in")).scalars()
        ]
    assert f"volunteer:{staff.id}" in actors


def test_a_pin_in_use_by_another_active_account_is_refused(kiosk: Kiosk) -> None:
    volunteers = kiosk.station.volunteers
    with pytest.raises(ValidationError) as caught:
        volunteers.add("赵新人", VOLUNTEER_PIN, "volunteer", SYSTEM)
    assert caught.value.problem.code == "pin_taken"
    admin = next(v for v in volunteers.list() if v.role == "admin")
    with pytest.raises(ValidationError):
        volunteers.set_pin(admin.id, VOLUNTEER_PIN, SYSTEM)
    volunteers.set_pin(admin.id, ADMIN_PIN, SYSTEM)  # keeping one's own PIN is fine
    volunteers.add("赵新人", "13579", "volunteer", SYSTEM)
    assert volunteers.sign_in("13579") is not None


def _sign_in_admin(kiosk: Kiosk) -> Any:
    _enter_pin(kiosk, _open_pin(kiosk), ADMIN_PIN)
    kiosk.click(kiosk.tr("admin.settings"))
    return kiosk.nav.current


def test_settings_are_big_choices_and_saving_stays(kiosk: Kiosk) -> None:
    screen = _sign_in_admin(kiosk)
    size = screen.inputs["text_scale"]
    volume = screen.inputs["tts_volume"]
    assert [b.text().strip() for b in size.group.buttons()] == ["标准", "大", "特大"]
    kiosk.click(size.group.button(2))
    kiosk.click(volume.group.button(0))
    kiosk.click(kiosk.tr("admin.save"))
    assert kiosk.nav.current_key == ScreenKey.ADMIN_SETTINGS and kiosk.nav.current is screen
    assert screen.message.isVisible() and screen.message.text() == "已保存。"
    settings = kiosk.station.settings()
    assert settings["text_scale"] == pytest.approx(1.3) and settings["tts_volume"] == pytest.approx(0.5)
    kiosk.click(kiosk.tr("bar.back"))
    kiosk.click(kiosk.tr("admin.settings"))
    assert kiosk.nav.current.inputs["text_scale"].value() == pytest.approx(1.3)  # shown as chosen


def test_exit_program_asks_first(kiosk: Kiosk, monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QApplication

    quits: list[bool] = []
    monkeypatch.setattr(QApplication, "quit", staticmethod(lambda: quits.append(True)))
    _enter_pin(kiosk, _open_pin(kiosk), ADMIN_PIN)
    kiosk.click(kiosk.tr("admin.exit"))
    card = kiosk.window.ask_card
    assert card.isVisible() and card.question.text() == kiosk.tr("admin.exit_ask") and quits == []
    kiosk.click(card.no_button)
    assert quits == [] and kiosk.nav.current_key == ScreenKey.STAFF
    kiosk.click(kiosk.tr("admin.exit"))
    kiosk.click(card.yes_button)
    assert quits == [True]
