"""The on-screen keyboard (Qt Virtual Keyboard docked in the kiosk window): pinyin, Hangul and
English typed by tapping its keys, big keys, on the resident's text step and the volunteer form,
and no learned-words file on disk."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLineEdit

from tests.ui.conftest import ALONE_ID, VOLUNTEER_PIN, Kiosk
from tests.ui.keys import key_items, type_keys
from tests.ui.text_steps import open_description, shot
from ui.keyboard import user_dictionary
from ui.navigator import ScreenKey

# The keyboard is opt-in (ui/keyboard.py): these tests run in a fresh interpreter of their own with
# it switched on, started by test_keyboard_in_its_own_process below.
INSIDE = (
    os.environ.get("YIZHAN_ONSCREEN_KEYBOARD") == "1"
    and os.environ.get("QT_IM_MODULE") == "qtvirtualkeyboard"
)
inside = pytest.mark.skipif(not INSIDE, reason="runs in its own process (test_keyboard_in_its_own_process)")


@pytest.mark.skipif(INSIDE, reason="this is the outer runner")
@pytest.mark.skip(
    reason="known hang: after merging main, building the keyboard's QML scene blocks in "
    "QQuickWidget.setSource inside the kiosk window (suspected Qt Multimedia "
    "interplay); the keyboard stays opt-in until this is solved — issue 12"
)
def test_keyboard_in_its_own_process() -> None:
    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "YIZHAN_ONSCREEN_KEYBOARD": "1",
        "QT_IM_MODULE": "qtvirtualkeyboard",
        "QT_VIRTUALKEYBOARD_DESKTOP_DISABLE": "1",
        "PYTHONPATH": str(root),
    }
    out = subprocess.run(
        [sys.executable, "-m", "pytest", __file__, "-q", "-p", "no:cacheprovider"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=420,
    )
    assert out.returncode == 0, out.stdout[-3000:]
    assert " passed" in out.stdout and "skipped" in out.stdout  # the inner tests really ran


def dock_up(kiosk: Kiosk) -> object:
    dock = kiosk.window.keyboard_dock
    assert dock is not None, "the virtual keyboard input method is not active"
    kiosk.qtbot.waitUntil(
        lambda: dock.isVisible() and dock.panel is not None and dock.panel.ready, timeout=10_000
    )
    kiosk.qtbot.waitUntil(lambda: "space" in key_items(dock), timeout=10_000)
    return dock


@inside
def test_pinyin_on_the_text_step_with_big_keys(kiosk: Kiosk) -> None:
    page = open_description(kiosk, ALONE_ID)
    dock = kiosk.window.keyboard_dock
    page.edit.setFocus()
    kiosk.settle()
    assert not dock.isVisible()  # 写字 mode: the box does not call the keyboard over the pad
    kiosk.click(page.mode_buttons["keys"])
    dock = dock_up(kiosk)
    keys = key_items(dock)
    for label in "qazm":
        assert keys[label].width() >= 64 and keys[label].height() >= 64, label
    type_keys(kiosk, dock, [*"ludeng", "space"])
    kiosk.qtbot.waitUntil(lambda: page.edit.toPlainText() != "", timeout=5_000)
    assert page.edit.toPlainText() == "路灯"
    shot(kiosk, "keyboard-text-step-1920")
    kiosk.click(kiosk.tr("keyboard.hide"))
    assert not dock.isVisible() and page.edit.toPlainText() == "路灯"
    kiosk.click(page.mode_buttons["write"])
    assert not dock.isVisible()


def sign_in_and_open_resident_form(kiosk: Kiosk) -> QLineEdit:
    kiosk.window.name_label.long_pressed.emit()
    assert kiosk.nav.current_key == ScreenKey.PIN
    page = kiosk.nav.current
    if page.stage == "who":  # tap your name first, then the PIN
        kiosk.qtbot.waitUntil(lambda: bool(page.name_buttons))
        kiosk.click("王志愿")
    for digit in VOLUNTEER_PIN:
        kiosk.click(page.keypad.buttons[digit])
    kiosk.click(kiosk.tr("pin.ok"))
    kiosk.click(kiosk.tr("staff.resident"))
    assert kiosk.nav.current_key == ScreenKey.RESIDENT_FORM
    form = kiosk.nav.current
    return form.inputs["name"]


@inside
@pytest.mark.parametrize(
    ("locale", "labels", "expected"),
    [
        ("zh_CN", [*"zhang", "space"], "张"),
        ("ko", ["ㅎ", "ㅏ", "ㄴ", "ㄱ", "ㅡ", "ㄹ", "space"], "한글 "),
        ("en", [*"lamp"], "lamp"),
    ],
)
def test_volunteer_resident_form_types_in_each_language(
    kiosk: Kiosk, locale: str, labels: list[str], expected: str
) -> None:
    kiosk.ctx.set_locale(locale)
    name = sign_in_and_open_resident_form(kiosk)
    name.setFocus()
    dock = dock_up(kiosk)
    type_keys(kiosk, dock, labels)
    kiosk.qtbot.waitUntil(lambda: name.text() == expected, timeout=5_000)
    if locale == "zh_CN":
        shot(kiosk, "keyboard-resident-form-1920")
        kiosk.window.resize(1366, 768)
        kiosk.settle()
        dock.place()
        keys = key_items(dock)
        assert keys["space"].height() >= 64 and keys["q"].height() >= 64 and keys["q"].width() >= 64
        assert (
            dock.geometry().top() > name.mapTo(kiosk.window, name.rect().bottomLeft()).y()
        )  # field stays visible
        shot(kiosk, "keyboard-resident-form-1366")


@inside
def test_pinyin_learns_nothing_on_disk(kiosk: Kiosk) -> None:
    # The suite sets XDG_CONFIG_HOME to a scratch folder (tests/conftest.py): that is where the
    # pinyin engine would keep its user dictionary.
    name = sign_in_and_open_resident_form(kiosk)
    name.setFocus()
    dock = dock_up(kiosk)
    type_keys(kiosk, dock, [*"wangxiuying", "space"])
    kiosk.qtbot.waitUntil(lambda: name.text() != "", timeout=5_000)
    path = user_dictionary()
    assert Path(path).is_dir() and list(Path(path).iterdir()) == []  # a directory: nothing can be written
