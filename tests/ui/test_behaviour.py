"""Kiosk behaviour beyond a single service: idle reset, invalid ID, PIN lockout, offline help call,
volunteer screens, text size, voice intents and unlocking."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QPlainTextEdit

from models.validation import ID_CHECKSUM
from tests.ui.conftest import ALONE_ID, PASSPHRASE, VOLUNTEER_PIN, Kiosk, StationInfo
from tests.ui.flows import start_problem_report, type_id, type_text
from ui.chime import CHIME_PLAYER
from ui.navigator import ScreenKey


def test_idle_reset_wipes_half_filled_form(kiosk: Kiosk) -> None:
    screen = start_problem_report(kiosk, ALONE_ID)
    edit = screen.page.findChild(QPlainTextEdit)
    type_text(edit, "写了一半")
    assert screen.fields["category"] == "water_power"
    assert kiosk.ctx.station.requests.counts_by_state().get("DRAFT") == 1

    kiosk.window.idle.trigger()
    card = kiosk.window.idle_card
    assert card.isVisible() and kiosk.window.idle.grace_seconds >= 20
    kiosk.click(card.continue_button)  # 继续: nothing is lost
    assert not card.isVisible() and screen.fields["category"] == "water_power"
    assert edit.toPlainText() == "写了一半"

    kiosk.ctx.speech.set_volume(1.0)
    kiosk.window.idle.trigger()
    kiosk.window.idle.expired.emit()  # the grace period ran out
    kiosk.settle()
    assert kiosk.nav.current_key == ScreenKey.HOME and not card.isVisible()
    assert screen.fields == {} and screen.resident is None and screen.service is None
    assert kiosk.ctx.station.requests.counts_by_state().get("DRAFT", 0) == 0
    assert kiosk.ctx.speech.volume == pytest.approx(0.9)  # volume back to the default


def test_idle_timer_really_fires(kiosk: Kiosk) -> None:
    start_problem_report(kiosk, ALONE_ID)
    kiosk.window.idle.idle_seconds = 0  # type: ignore[assignment]
    kiosk.window.idle.restart()
    kiosk.qtbot.waitUntil(lambda: kiosk.window.idle_card.isVisible(), timeout=3000)


def test_invalid_id_shows_message_and_keeps_input(kiosk: Kiosk) -> None:
    screen = start_problem_report(kiosk, ALONE_ID)
    assert screen.fields["category"] == "water_power"
    kiosk.click(kiosk.tr("bar.back"))
    kiosk.click(kiosk.tr("bar.back"))
    page = screen.page
    assert page.step.kind == "identify"
    kiosk.click(page.keypad.buttons["CLEAR"])
    wrong = ALONE_ID[:-1] + ("1" if ALONE_ID[-1] != "1" else "2")
    type_id(kiosk, wrong)
    kiosk.click(kiosk.tr("identify.confirm"))
    assert page.error.isVisible() and page.error.text() == ID_CHECKSUM.message("zh_CN")
    assert page.raw == wrong and page.display.text().replace(" ", "") == wrong
    assert screen.fields["category"] == "water_power"  # the other answers are kept
    assert page.step.kind == "identify"
    kiosk.click(page.keypad.buttons["DEL"])
    kiosk.click(page.keypad.buttons[ALONE_ID[-1]])
    kiosk.click(kiosk.tr("identify.confirm"))
    assert screen.page.step.id == "category"


def test_unknown_resident_is_told_to_ask_a_volunteer(kiosk: Kiosk) -> None:
    kiosk.click(kiosk.ctx.pick(kiosk.ctx.catalogue.get("certificate").title))
    from tests.ui.conftest import make_id

    type_id(kiosk, make_id("44030419800101123"))
    kiosk.click(kiosk.tr("identify.confirm"))
    assert kiosk.nav.current.page.error.text() == kiosk.tr("identify.not_found")


def _open_pin(kiosk: Kiosk) -> Any:
    kiosk.window.name_label.long_pressed.emit()
    assert kiosk.nav.current_key == ScreenKey.PIN
    return kiosk.nav.current


def _enter_pin(kiosk: Kiosk, screen: Any, pin: str, name: str | None = None) -> None:
    """Sign in as a volunteer would: tap your name (on the first screen), then type the PIN."""
    from tests.ui.conftest import ADMIN_PIN

    if screen.stage == "who":
        name = name or ("陈站长" if pin == ADMIN_PIN else "王志愿")
        kiosk.qtbot.waitUntil(lambda: bool(screen.name_buttons))
        kiosk.click(name)
    for digit in pin:
        kiosk.click(screen.keypad.buttons[digit])
    kiosk.click(kiosk.tr("pin.ok"))


def test_long_press_opens_the_pin_pad(kiosk: Kiosk) -> None:
    from PySide6.QtCore import QPoint, Qt

    kiosk.qtbot.mousePress(kiosk.window.name_label, Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
    kiosk.qtbot.waitUntil(lambda: kiosk.nav.current_key == ScreenKey.PIN, timeout=3000)


def test_pin_lockout(kiosk: Kiosk) -> None:
    screen = _open_pin(kiosk)
    for _ in range(3):
        _enter_pin(kiosk, screen, "0000")
        assert screen.error.text() == kiosk.tr("pin.wrong")
    _enter_pin(kiosk, screen, "0000")
    assert "30" in screen.error.text() or "秒" in screen.error.text()
    _enter_pin(kiosk, screen, VOLUNTEER_PIN)  # even the right PIN waits out the lockout
    assert kiosk.nav.current_key == ScreenKey.PIN and kiosk.ctx.staff is None
    assert "秒" in screen.error.text()


def test_help_call_without_network(kiosk: Kiosk) -> None:
    # The fixture's station was never enrolled with a hub: it has no network to use at all.
    assert not kiosk.ctx.station.setting("hub_url")
    before = CHIME_PLAYER.played
    kiosk.click(kiosk.ctx.pick(kiosk.ctx.catalogue.get("help_call").title))
    screen = kiosk.nav.current
    assert kiosk.nav.current_key == ScreenKey.HELP
    # offline, only this kiosk rings: it says so (never "已通知志愿者") and that the centre hears later
    assert screen.title.text() == kiosk.tr("help.ringing")
    assert screen.detail.text() == kiosk.tr("help.offline_detail")
    assert CHIME_PLAYER.played == before + 1
    calls = kiosk.ctx.station.requests.open_help_calls()
    assert len(calls) == 1 and calls[0].urgent and calls[0].state == "QUEUED"
    assert calls[0].receipt_code in screen.code.text()
    assert any("110" in w.text() and w.isVisible() for w in screen.findChildren(type(screen.title)))
    kiosk.window.refresh_status()
    kiosk.settle()
    assert kiosk.tr("status.offline") in kiosk.window.status_label.text()
    assert kiosk.tr("status.waiting", n=1) in kiosk.window.status_label.text()


def test_volunteer_sees_and_acknowledges_help_call(kiosk: Kiosk) -> None:
    kiosk.click(kiosk.tr("bar.help"))  # 请志愿者帮忙 from the bottom bar
    screen = _open_pin(kiosk)
    _enter_pin(kiosk, screen, VOLUNTEER_PIN)
    assert kiosk.nav.current_key == ScreenKey.STAFF and kiosk.ctx.staff is not None
    kiosk.click(kiosk.tr("staff.help"))
    lists = kiosk.nav.current
    assert len(lists.cards) == 1
    kiosk.click(kiosk.tr("staff.acknowledge"))
    assert kiosk.ctx.station.requests.open_help_calls() == []
    kiosk.click(kiosk.tr("bar.back"))
    kiosk.click(kiosk.tr("staff.checkins"))
    with kiosk.ctx.station.read() as session:
        from sqlalchemy import select

        from models.schema import AuditEvent

        actors = [e.actor for e in session.execute(select(AuditEvent)).scalars()]
    assert any(a.startswith("volunteer:") for a in actors)
    kiosk.click(kiosk.tr("staff.sign_out"))
    assert kiosk.ctx.staff is None and kiosk.nav.current_key == ScreenKey.HOME


def test_volunteer_registers_a_resident(kiosk: Kiosk) -> None:
    from tests.ui.conftest import make_id

    screen = _open_pin(kiosk)
    _enter_pin(kiosk, screen, VOLUNTEER_PIN)
    kiosk.click(kiosk.tr("staff.resident"))
    form = kiosk.nav.current
    number = make_id("44030419800101123")
    form.inputs["id_number"].setText(number)
    form.inputs["name"].setText("赵新民")
    form.inputs["phone"].setText("12345")
    form.consent.setChecked(True)
    kiosk.click(kiosk.tr("resident.save"))
    # the message sits under the phone field, names it, and the focus is there
    error = form.field_errors["phone"]
    assert error.isVisible() and error.text().startswith(kiosk.tr("resident.phone"))
    assert not form.message.isVisible() and "请志愿者帮忙" not in error.text()
    assert form.inputs["phone"].hasFocus() or QApplication.focusWidget() is form.inputs["phone"]
    assert form.inputs["name"].text() == "赵新民"  # nothing typed is lost
    form.inputs["id_number"].setText(number[:-1] + ("0" if number[-1] != "0" else "1"))
    kiosk.click(kiosk.tr("resident.save"))
    assert form.field_errors["id_number"].isVisible() and "校验" in form.field_errors["id_number"].text()
    form.inputs["id_number"].setText(number)
    form.inputs["phone"].setText("13912345678")
    kiosk.click(kiosk.tr("resident.save"))
    assert form.message.text() == kiosk.tr("resident.saved")
    assert kiosk.ctx.station.residents.count() == 3


def test_text_size_cycles_and_resets(kiosk: Kiosk) -> None:
    sizes = []
    for _ in range(3):
        kiosk.click(kiosk.window.size_button)
        sizes.append(kiosk.ctx.scale)
    assert len(set(sizes)) == 3
    kiosk.click(kiosk.window.size_button)
    kiosk.click(kiosk.ctx.pick(kiosk.ctx.catalogue.get("certificate").title))
    assert kiosk.ctx.scale > 1.0
    kiosk.click(kiosk.tr("bar.home"))
    assert kiosk.ctx.scale == 1.0


def test_voice_commands_per_screen_and_intents(kiosk: Kiosk) -> None:
    voice = kiosk.ctx.voice
    assert voice.screen_id == "home" and "pension_inquiry" in voice.intents and "back" in voice.intents
    kiosk.window.on_intent("problem_report")
    assert kiosk.nav.current_key == ScreenKey.SERVICE
    type_id(kiosk, ALONE_ID)
    kiosk.click(kiosk.tr("identify.confirm"))
    assert voice.screen_id == "problem_report/category" and "road_light" in voice.intents
    kiosk.window.on_intent("road_light")
    assert kiosk.nav.current.fields["category"] == "road_light"
    kiosk.window.on_intent("back")
    assert kiosk.nav.current.page.step.id == "category"
    kiosk.window.on_intent("home")  # mid-service: asked first, and 是 can be said too
    assert kiosk.window.ask_card.isVisible() and kiosk.nav.current_key == ScreenKey.SERVICE
    kiosk.window.on_intent("yes")
    assert kiosk.nav.current_key == ScreenKey.HOME and not kiosk.window.ask_card.isVisible()
    kiosk.click(kiosk.window.voice_button)
    assert not kiosk.ctx.voice_on and kiosk.window.voice_button.accessibleName() == kiosk.tr("bar.voice_off")


def test_locked_start_and_wrong_passphrase(
    qtbot: Any, station_info: StationInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop.app import AppContext
    from ui.shell import KioskWindow

    monkeypatch.delenv("YIZHAN_PASSPHRASE", raising=False)
    ctx = AppContext(station_info.path)
    window = KioskWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: ctx.db.idle)
    locked = window.nav.current
    assert window.nav.current_key == ScreenKey.LOCKED and ctx.station is None
    assert window.name_label.text() == "幸福村便民服务站"  # public settings, read while locked
    # it says what it waits for, under a closed padlock (not "正在启动")
    assert (
        locked.title.text() == "请志愿者输入驿站密码" and locked.padlock.property("icon_name") == "fa5s.lock"
    )
    assert not window.help_button.isEnabled()
    qtbot.wait(450)  # a real tap comes after the screen's 400 ms tap guard (ui/tap_guard.py)
    qtbot.keyClicks(locked.passphrase, "wrong-pass")
    qtbot.mouseClick(
        locked.unlock_button, __import__("PySide6.QtCore", fromlist=["Qt"]).Qt.MouseButton.LeftButton
    )
    qtbot.waitUntil(lambda: locked.message.isVisible(), timeout=10_000)
    assert ctx.station is None
    qtbot.keyClicks(locked.passphrase, PASSPHRASE)
    qtbot.mouseClick(
        locked.unlock_button, __import__("PySide6.QtCore", fromlist=["Qt"]).Qt.MouseButton.LeftButton
    )
    qtbot.waitUntil(lambda: window.nav.current_key == ScreenKey.HOME, timeout=10_000)
    qtbot.waitUntil(lambda: ctx.db.idle)
    window.shutdown()
    ctx.db.shutdown()
    ctx.station.close()


def test_data_dir_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from desktop.paths import data_dir

    monkeypatch.delenv("YIZHAN_DATA_DIR", raising=False)
    assert data_dir(tmp_path) == tmp_path.resolve()
    monkeypatch.setenv("YIZHAN_DATA_DIR", str(tmp_path / "env"))
    assert data_dir(None) == (tmp_path / "env").resolve()
