"""Taps that mean what the resident saw: with the real 400 ms guard, the second tap of a double tap
never acts on the screen that the first tap opened — on every home tile and every step type — and
leaving a service half-way asks "要放弃这次办理吗？" first. Also: 返回 on a receipt goes home, the
rating ends with a visible thank-you, and every kind of button shows that it is pressed."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from models.catalogue import pick
from tests.ui.conftest import ALONE_ID, Kiosk
from tests.ui.flows import DESCRIPTION, start_problem_report, type_id, type_text
from ui.navigator import ScreenKey
from ui.tap_guard import GUARD_MS


@pytest.fixture
def guarded(kiosk: Kiosk) -> Kiosk:
    kiosk.window.tap_guard.guard_ms = GUARD_MS
    return kiosk


def wait_guard(kiosk: Kiosk) -> None:
    kiosk.qtbot.waitUntil(lambda: kiosk.window.tap_guard.open, timeout=2000)


def tap_at(kiosk: Kiosk, point: QPoint) -> QWidget | None:
    """A finger on the window at `point`: the press goes to whatever is there now."""
    window = kiosk.window
    target = window.childAt(point)
    if target is None:
        return None
    kiosk.qtbot.mouseClick(target, Qt.MouseButton.LeftButton, pos=target.mapFrom(window, point))
    return target


def double_tap(kiosk: Kiosk, widget: QWidget) -> None:
    """Tap `widget`, let its screen change happen, then tap the same spot again at once (a double
    tap: the second touch comes ~150 ms later, well inside the guard)."""
    wait_guard(kiosk)
    point = widget.mapTo(kiosk.window, widget.rect().center())
    guard = kiosk.window.tap_guard
    generation = guard.generation
    kiosk.qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)
    # The second touch follows the change at once, however long the machine then takes to settle
    # (settling first let a loaded machine outlast the guard: two slow taps, not a double tap).
    kiosk.qtbot.waitUntil(lambda: guard.generation != generation or kiosk.ctx.db.idle, timeout=30_000)
    tap_at(kiosk, point)
    kiosk.settle()


def test_double_tap_on_every_home_tile_opens_only_that_tile(guarded: Kiosk) -> None:
    kiosk = guarded
    home = kiosk.nav.current
    for service_id in list(home.tiles):
        home = kiosk.nav.current
        assert kiosk.nav.current_key == ScreenKey.HOME
        double_tap(kiosk, home.tiles[service_id])
        screen = kiosk.nav.current
        service = kiosk.ctx.catalogue.get(service_id)
        if kiosk.nav.current_key == ScreenKey.SERVICE:
            assert screen.service.id == service_id and screen.index == 0, service_id
            assert screen.page.raw == "", f"{service_id}: the second tap typed a digit"
        elif service.kind == "urgent":
            assert kiosk.nav.current_key == ScreenKey.HELP
        else:
            assert kiosk.nav.current_key == ScreenKey.NOTICES, service_id
        kiosk.window.wipe_and_home()
        kiosk.settle()
    assert kiosk.station.requests.counts_by_state().get("QUEUED", 0) == 1  # the one 一键呼叫 only


def _double_tap_step(kiosk: Kiosk, screen: Any) -> None:
    """Do the current step by double taps and check the flow moved exactly one step."""
    page, index = screen.page, screen.index
    step = page.step
    ctx = kiosk.ctx
    wait_guard(kiosk)  # a resident reads the new step before touching it
    if step.kind == "identify":
        for key in ALONE_ID:
            kiosk.click(page.keypad.buttons[key])
        double_tap(kiosk, kiosk.button(kiosk.tr("identify.confirm")))
    elif step.kind == "choose":
        double_tap(kiosk, kiosk.button(pick(step.options[0].label, ctx.locale)))
        assert screen.fields[step.id] == step.options[0].id
    elif step.kind == "text":
        type_text(page.findChild(QPlainTextEdit), DESCRIPTION)
        double_tap(kiosk, kiosk.button(kiosk.tr("step.next")))
    elif step.kind == "date_slot":
        kiosk.qtbot.waitUntil(lambda: bool(page.slots))  # the slots from the database
        double_tap(kiosk, page.buttons[0])
    elif step.kind == "photo":
        double_tap(kiosk, kiosk.button(kiosk.tr("photo.skip")))
    elif step.kind == "consent":
        double_tap(kiosk, kiosk.button(kiosk.tr("consent.yes")))
    elif step.kind == "confirm":
        double_tap(kiosk, page.fine if step.style == "checkin" else kiosk.button(kiosk.tr("confirm.submit")))
        return
    assert kiosk.nav.current_key == ScreenKey.SERVICE and screen.index == index + 1, (
        f"{step.kind}: a double tap moved from step {index} to {screen.index}"
    )
    assert not kiosk.window.ask_card.isVisible()


@pytest.mark.parametrize("service_id", ["subsidy_application", "appointment", "daily_checkin"])
def test_double_tap_on_every_step_type_moves_one_step(guarded: Kiosk, service_id: str) -> None:
    """Together the three services hold every step type: identify, choose, text, photo, consent,
    confirm, date_slot and the check-in button."""
    kiosk = guarded
    service = kiosk.ctx.catalogue.get(service_id)
    double_tap(kiosk, kiosk.nav.current.tiles[service_id])
    screen = kiosk.nav.current
    for _step in service.steps:
        _double_tap_step(kiosk, screen)
    kiosk.qtbot.waitUntil(lambda: kiosk.nav.current_key == ScreenKey.RECEIPT)
    record = kiosk.nav.current.record
    # the second tap on 提交 neither sent twice nor tapped the receipt's buttons
    assert kiosk.station.requests.counts_by_state().get("QUEUED", 0) == 1
    assert record.service == service_id and kiosk.nav.current_key == ScreenKey.RECEIPT


def test_a_press_from_before_a_screen_change_does_not_click(guarded: Kiosk) -> None:
    kiosk = guarded
    wait_guard(kiosk)
    tile = kiosk.nav.current.tiles["problem_report"]
    kiosk.qtbot.mousePress(tile, Qt.MouseButton.LeftButton)
    kiosk.window.nav.go(ScreenKey.NOTICES)  # the screen changes under the finger
    kiosk.qtbot.mouseRelease(tile, Qt.MouseButton.LeftButton)
    kiosk.settle()
    assert kiosk.nav.current_key == ScreenKey.NOTICES and not tile.isDown()


def test_home_mid_service_asks_first(kiosk: Kiosk, monkeypatch: pytest.MonkeyPatch) -> None:
    screen = start_problem_report(kiosk, ALONE_ID)
    spoken: list[str] = []
    monkeypatch.setattr(kiosk.ctx, "say", spoken.append)
    kiosk.click(kiosk.tr("bar.home"))
    card = kiosk.window.ask_card
    assert card.isVisible() and card.question.text() == "要放弃这次办理吗？"
    assert spoken == ["要放弃这次办理吗？"]
    assert card.geometry() == kiosk.window.rect()  # big: over the whole window
    kiosk.click(card.no_button)  # 不是: nothing lost
    assert not card.isVisible() and screen.fields["category"] == "water_power"
    kiosk.click(kiosk.tr("bar.home"))
    kiosk.click(card.yes_button)  # 是: wiped, home
    assert kiosk.nav.current_key == ScreenKey.HOME and screen.fields == {} and screen.resident is None


def test_back_off_the_first_step_asks_only_when_something_was_typed(kiosk: Kiosk) -> None:
    kiosk.click(kiosk.ctx.pick(kiosk.ctx.catalogue.get("problem_report").title))
    kiosk.click(kiosk.tr("bar.back"))  # nothing typed: straight home
    assert kiosk.nav.current_key == ScreenKey.HOME and not kiosk.window.ask_card.isVisible()
    kiosk.click(kiosk.ctx.pick(kiosk.ctx.catalogue.get("problem_report").title))
    type_id(kiosk, ALONE_ID[:4])
    kiosk.click(kiosk.tr("bar.back"))
    assert kiosk.window.ask_card.isVisible() and kiosk.nav.current_key == ScreenKey.SERVICE
    kiosk.click(kiosk.window.ask_card.yes_button)
    assert kiosk.nav.current_key == ScreenKey.HOME


def test_disagree_asks_before_wiping(kiosk: Kiosk) -> None:
    screen = start_problem_report(kiosk, ALONE_ID)
    type_text(screen.page.findChild(QPlainTextEdit), DESCRIPTION)
    kiosk.click(kiosk.tr("step.next"))
    kiosk.click(kiosk.tr("photo.skip"))
    assert screen.page.step.kind == "consent"
    kiosk.click(kiosk.tr("consent.no"))
    assert kiosk.window.ask_card.isVisible() and screen.fields["category"] == "water_power"
    kiosk.click(kiosk.window.ask_card.no_button)
    assert screen.page.step.kind == "consent"
    kiosk.click(kiosk.tr("consent.no"))
    kiosk.click(kiosk.window.ask_card.yes_button)
    assert kiosk.nav.current_key == ScreenKey.HOME and screen.fields == {}
    assert kiosk.station.requests.counts_by_state().get("DRAFT", 0) == 0


def test_receipt_back_goes_home_and_rating_thanks(kiosk: Kiosk) -> None:
    from tests.ui.flows import run_service

    run_service(kiosk, "problem_report", ALONE_ID)
    assert kiosk.nav.current_key == ScreenKey.RECEIPT
    kiosk.click(kiosk.tr("bar.back"))
    assert kiosk.nav.current_key == ScreenKey.HOME
    run_service(kiosk, "problem_report", ALONE_ID)
    kiosk.click(kiosk.tr("receipt.finish"))
    rating = kiosk.nav.current
    assert kiosk.nav.current_key == ScreenKey.RATING
    kiosk.click(rating.faces[5])
    assert rating.thanks.isVisible() and kiosk.nav.current_key == ScreenKey.RATING  # seen, not skipped
    kiosk.qtbot.waitUntil(lambda: kiosk.nav.current_key == ScreenKey.HOME, timeout=5000)


def test_every_kind_of_button_shows_it_is_pressed(kiosk: Kiosk) -> None:
    window = kiosk.window
    home = kiosk.nav.current
    buttons = [window.home_button, home.tiles["pension_inquiry"], home.tiles["help_call"]]
    kiosk.click(home.tiles["pension_inquiry"])
    page = kiosk.nav.current.page
    buttons += [page.keypad.buttons["5"], page.confirm_button]
    for widget in buttons:
        up = widget.grab().toImage()
        widget.setDown(True)
        down = widget.grab().toImage()
        widget.setDown(False)
        assert up != down, f"{widget.accessibleName()} looks the same pressed"
