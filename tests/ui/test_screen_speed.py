"""Screen changes do only the work the screen on show needs (issue 17: transitions p95 ≤ 50 ms).
Timings belong to bench/ui.py; these tests check the structure that keeps them short."""

from __future__ import annotations

import sys
from types import FrameType
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.ui.conftest import ALONE_ID, Kiosk
from ui.navigator import ScreenKey
from ui.screens.flow import PREBUILD_MS, ServiceScreen
from ui.steps.choose import ChoosePage
from ui.steps.identify import IdentifyPage


def _service(kiosk: Kiosk, service_id: str) -> ServiceScreen:
    screen = kiosk.nav.go(ScreenKey.SERVICE, service=service_id)
    assert isinstance(screen, ServiceScreen)
    return screen


def test_entering_a_service_builds_only_its_first_step(kiosk: Kiosk, qtbot: QtBot) -> None:
    service = kiosk.ctx.catalogue.get("problem_report")  # identify → choose → text → photo → …
    assert len(service.steps) >= 4
    screen = _service(kiosk, service.id)
    assert [type(p) for p in screen.page_list] == [IdentifyPage]  # not one page per step
    assert kiosk.window.stack.currentWidget() is screen and screen.pages.currentWidget() is screen.page
    assert screen.progress.text() == kiosk.tr("flow.progress", n=1, total=len(service.steps))
    # While the resident reads the first step, the next one is built — and no further.
    qtbot.waitUntil(lambda: len(screen.page_list) == 2, timeout=5000)
    assert isinstance(screen.page_list[1], ChoosePage) and not screen.page_list[1].isVisible()
    qtbot.wait(PREBUILD_MS * 2)
    assert len(screen.page_list) == 2
    kiosk.nav.home()  # the half-filled form goes, pages and all
    assert screen.page_list == [] and screen.service is None


def test_a_step_shown_out_of_order_is_built_then(kiosk: Kiosk) -> None:
    """The tour and the layout tests jump to a step by its index: its page is built on demand."""
    service = kiosk.ctx.catalogue.get("problem_report")
    screen = _service(kiosk, service.id)
    screen.index = 2
    screen._show_step()
    assert screen.page is not None and screen.page.step is service.steps[2]
    assert screen.pages.currentWidget() is screen.page
    assert screen.progress.text() == kiosk.tr("flow.progress", n=3, total=len(service.steps))


def test_leaving_before_the_next_step_is_built_builds_nothing(kiosk: Kiosk, qtbot: QtBot) -> None:
    screen = _service(kiosk, "problem_report")
    kiosk.nav.go(ScreenKey.NOTICES)  # away at once (a volunteer's 请志愿者帮忙, say)
    qtbot.wait(PREBUILD_MS * 2)
    assert len(screen.page_list) == 1  # the hidden flow took none of the notices screen's time


def test_input_watchers_run_for_input_only(kiosk: Kiosk) -> None:
    """The tap guard, the idle timer and the ID card reader see every input event but no other: a
    screen change (about a thousand paint, layout and polish events) calls none; a tap calls them."""
    calls: list[str] = []

    def profile(frame: FrameType, event: str, _arg: object) -> None:
        watchers = ("ui/tap_guard.py", "ui/idle.py", "ui/id_reader.py")
        if event == "call" and frame.f_code.co_filename.endswith(watchers):
            calls.append(frame.f_code.co_name)

    kiosk.nav.go(ScreenKey.SERVICE, service="problem_report")
    kiosk.settle()  # the idle timer is watching now (a service is in progress)
    sys.setprofile(profile)
    try:
        kiosk.nav.go(ScreenKey.NOTICES)
        QApplication.processEvents()
        kiosk.window.repaint()
    finally:
        sys.setprofile(None)
    # (the card reader stops as its page leaves the screen)
    assert [c for c in calls if c not in ("screen_changed", "set_active", "restart", "stop", "flush")] == []
    kiosk.nav.go(ScreenKey.SERVICE, service="problem_report")
    kiosk.settle()
    calls.clear()
    sys.setprofile(profile)
    try:
        kiosk.window.repaint()  # the ID keypad on show, its card reader listening: paints only
    finally:
        sys.setprofile(None)
    assert calls == []
    sys.setprofile(profile)
    try:
        kiosk.click(kiosk.tr("keypad.del"))  # a tap: both watchers see it
    finally:
        sys.setprofile(None)
    assert calls.count("input_event") >= 4  # press and release, each to the idle timer and the guard


def test_the_id_keypad_is_kept_between_services_with_nothing_of_the_last_resident(kiosk: Kiosk) -> None:
    """Starting a service builds no ID keypad page (the last one, wiped, serves again): nothing
    typed stays, not even in the field's undo history, and the page speaks for its new service."""
    first = _service(kiosk, "problem_report")
    page = first.page
    assert isinstance(page, IdentifyPage)
    for digit in "110105":
        page.press(digit)
    assert page.display.text() == "110105"
    kiosk.nav.home()
    assert page.raw == "" and page.display.text() == "" and not page.display.isUndoAvailable()
    second = _service(kiosk, "appointment")
    assert second.page is page
    assert page.step is kiosk.ctx.catalogue.get("appointment").steps[0]
    assert second.pages.currentWidget() is page and page.isVisible()


def test_a_look_up_sent_before_home_identifies_nobody_in_the_next_service(kiosk: Kiosk) -> None:
    """The resident confirmed a number and went home before the answer came: the kept keypad must
    not hand that resident to whoever starts the next service."""
    first = _service(kiosk, "problem_report")
    page = first.page
    assert isinstance(page, IdentifyPage)
    for key in ALONE_ID:
        page.press(key)
    page.confirm()  # answered on the DB worker, delivered on a later event-loop turn
    kiosk.nav.home()
    second = _service(kiosk, "appointment")
    kiosk.settle()
    assert second.resident is None and second.index == 0 and second.page is page
    assert page.confirm_button.isEnabled()


def test_a_screens_voice_commands_are_built_once_per_language(
    kiosk: Kiosk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each screen change hands the voice layer the screen's commands; the table is built once per
    screen and language, and is what voice.screens builds for it."""
    import voice.screens
    from ui.screens import base

    expected = voice.screens.screen_intents("home", kiosk.ctx.locale, kiosk.ctx.catalogue)
    built: list[str] = []
    real = voice.screens.screen_intents

    def counting(screen_id: str, *args: object, **kwargs: object) -> object:
        built.append(screen_id)
        return real(screen_id, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(base, "_INTENTS", {})
    monkeypatch.setattr(voice.screens, "screen_intents", counting)
    home = kiosk.nav.go(ScreenKey.HOME)
    first = home.voice_intents()
    first["louder"] = ("changed by a caller",)  # a copy: the next screen change gets the real one
    assert home.voice_intents() == expected and built == ["home"]
    monkeypatch.setattr(kiosk.ctx, "locale", "en")
    assert home.voice_intents() == real("home", "en", kiosk.ctx.catalogue) and built == ["home", "home"]


def test_the_slot_step_holds_its_grids_room_before_the_slots_arrive(
    kiosk: Kiosk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The date-slot step is laid out at once for the slots it will show (the offline default
    slots, unseen), so their arrival from the database neither grows the step nor scrolls it."""
    import threading

    from PySide6.QtWidgets import QScrollArea

    from ui.steps import choose

    answer = threading.Event()
    real = choose.slots_for  # type: ignore[attr-defined]

    def slow_slots(*args: Any) -> Any:
        answer.wait(10)
        return real(*args)

    monkeypatch.setattr(choose, "slots_for", slow_slots)
    service = kiosk.ctx.catalogue.get("appointment")
    index = next(i for i, step in enumerate(service.steps) if step.kind == "date_slot")
    screen = _service(kiosk, service.id)
    for step in service.steps[:index]:
        if step.options:
            screen.fields[step.id] = step.options[0].id
    screen.index = index
    screen._show_step()
    page = screen.page
    assert isinstance(page, choose.DateSlotPage)
    area = screen.findChild(QScrollArea)
    assert area is not None
    for _ in range(5):
        QApplication.processEvents()
    before = (page.grid.geometry(), area.verticalScrollBar().maximum())
    assert page.slots == [] and page.buttons and not any(b.isVisible() for b in page.buttons)
    answer.set()
    kiosk.qtbot.waitUntil(lambda: bool(page.slots), timeout=10_000)
    for _ in range(5):
        QApplication.processEvents()
    assert all(b.isVisible() for b in page.buttons)
    assert (page.grid.geometry(), area.verticalScrollBar().maximum()) == before
    assert before[0].height() > 0
