"""The on-screen keyboard (Qt Virtual Keyboard docked in the kiosk window): pinyin, Hangul and
English typed by tapping its keys, big keys at 1920×1080, 1366×768 and portrait 1080×1920, on the
resident's text step and the volunteer form, and no learned-words file on disk.

The virtual keyboard's input method must be chosen before QApplication exists, so these tests run in
a fresh interpreter of their own, started by test_keyboard_in_its_own_process. pytest-qt's capture of
Qt messages stays on in there on purpose: it is a Python message handler, the thing that turned the
keyboard's QML loading into a deadlock (ui/keyboard.py explains), so the inner tests hang, and the
outer one fails on its timeout, if the keyboard ever loads its QML under Python code again."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget
from pytestqt.exceptions import TimeoutError as WaitTimeout

from tests.ui.conftest import ALONE_ID, VOLUNTEER_PIN, Kiosk
from tests.ui.keys import key_items, type_keys
from tests.ui.text_steps import open_description, shot
from ui.keyboard import user_dictionary
from ui.navigator import ScreenKey

INSIDE = os.environ.get("QT_IM_MODULE") == "qtvirtualkeyboard"
inside = pytest.mark.skipif(not INSIDE, reason="runs in its own process (test_keyboard_in_its_own_process)")
outside = pytest.mark.skipif(INSIDE, reason="runs in the main test process")
INNER_TIMEOUT_S = 300  # the inner run takes ≈ 40–90 s on a loaded two-core machine


@pytest.mark.slow  # a fresh interpreter and two kiosks: ≈ 40–90 s
@outside
def test_keyboard_in_its_own_process() -> None:
    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "YIZHAN_ONSCREEN_KEYBOARD": "1",
        "QT_IM_MODULE": "qtvirtualkeyboard",
        "QT_VIRTUALKEYBOARD_DESKTOP_DISABLE": "1",
        "PYTHONPATH": str(root),
    }
    try:
        out = subprocess.run(
            [sys.executable, "-m", "pytest", __file__, "-q", "-p", "no:cacheprovider"],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=INNER_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired as hung:
        raise AssertionError(
            f"the keyboard tests hung (deadlock loading the keyboard's QML?):\n{str(hung.stdout)[-3000:]}"
        ) from None
    assert out.returncode == 0, out.stdout[-3000:]
    assert "2 passed" in out.stdout and "3 skipped" in out.stdout, out.stdout[-3000:]  # inner tests ran


def dock_up(kiosk: Kiosk, wanted_key: str = "space") -> Any:
    dock = kiosk.window.keyboard_dock
    assert dock is not None, "the virtual keyboard input method is not active"
    kiosk.qtbot.waitUntil(
        lambda: dock.isVisible() and dock.panel is not None and dock.panel.ready, timeout=15_000
    )
    kiosk.qtbot.waitUntil(lambda: wanted_key in key_items(dock), timeout=10_000)
    return dock


def assert_big_keys_below(kiosk: Kiosk, dock: Any, field: QWidget) -> None:
    """Keys of at least 64×64 px, and the field being typed into still shows above the keyboard."""
    kiosk.settle()
    keys = key_items(dock)
    for label in ("q", "a", "m", "space"):
        assert keys[label].height() >= 64, (label, keys[label].height())
    for label in "qam":
        assert keys[label].width() >= 64, (label, keys[label].width())
    field_bottom = field.mapTo(kiosk.window, field.rect().bottomLeft()).y()
    field_top = field.mapTo(kiosk.window, field.rect().topLeft()).y()
    assert field_top >= 0 and min(field_bottom, field_top + 40) < dock.geometry().top()


def resize(kiosk: Kiosk, width: int, height: int) -> None:
    kiosk.window.resize(width, height)
    kiosk.settle()
    kiosk.qtbot.wait(50)


@inside
def test_pinyin_on_the_text_step_with_big_keys(kiosk: Kiosk) -> None:
    page = open_description(kiosk, ALONE_ID)
    dock = kiosk.window.keyboard_dock
    page.edit.setFocus()
    kiosk.settle()
    assert not dock.isVisible()  # 写字 mode: the box does not call the keyboard over the pad
    kiosk.click(page.mode_buttons["keys"])
    dock = dock_up(kiosk)
    assert "hide" not in key_items(dock)  # its own hide key would do nothing inside the dock
    type_keys(kiosk, dock, [*"ludeng", "space"])
    kiosk.qtbot.waitUntil(lambda: page.edit.toPlainText() != "", timeout=5_000)
    assert page.edit.toPlainText() == "路灯"
    for width, height in ((1920, 1080), (1366, 768), (1080, 1920)):
        resize(kiosk, width, height)
        assert dock.isVisible()
        assert_big_keys_below(kiosk, dock, page.edit)
        shot(kiosk, f"keyboard-text-step-{width}x{height}")
    kiosk.click(kiosk.tr("keyboard.hide"))
    assert not dock.isVisible() and page.edit.toPlainText() == "路灯"
    kiosk.click(page.mode_buttons["write"])
    assert not dock.isVisible()


def sign_in_and_open_resident_form(kiosk: Kiosk) -> Any:
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
    return kiosk.nav.current


def type_into(kiosk: Kiosk, field: QLineEdit, labels: list[str], first_key: str, expected: str) -> Any:
    field.clear()
    field.clearFocus()
    field.setFocus()
    dock = dock_up(kiosk, first_key)
    type_keys(kiosk, dock, labels)
    try:
        kiosk.qtbot.waitUntil(lambda: field.text() == expected, timeout=5_000)
    except WaitTimeout:
        raise AssertionError(f"typed {labels}, field reads {field.text()!r}, wanted {expected!r}") from None
    return dock


def switch_language(kiosk: Kiosk, locale: str) -> QLineEdit:
    """Change the kiosk's language (the screens are rebuilt) and come back to the resident form."""
    kiosk.ctx.set_locale(locale)
    kiosk.settle()
    kiosk.nav.go(ScreenKey.RESIDENT_FORM)  # the volunteer is still signed in
    kiosk.settle()
    assert kiosk.nav.current_key == ScreenKey.RESIDENT_FORM
    return kiosk.nav.current.inputs["name"]


@inside
def test_volunteer_resident_form_types_pinyin_hangul_and_english(kiosk: Kiosk) -> None:
    form = sign_in_and_open_resident_form(kiosk)
    name = form.inputs["name"]
    dock = type_into(kiosk, name, [*"zhang", "space"], "q", "张")
    shot(kiosk, "keyboard-resident-form-1920x1080")
    for width, height in ((1366, 768), (1080, 1920)):
        resize(kiosk, width, height)
        assert_big_keys_below(kiosk, dock, name)
        shot(kiosk, f"keyboard-resident-form-{width}x{height}")
    resize(kiosk, 1920, 1080)

    # Words typed in pinyin are not learned into a file: the engine's user dictionary path is an
    # empty directory (the suite points XDG_CONFIG_HOME at a scratch folder, tests/conftest.py).
    type_into(kiosk, name, [*"beijing", "space"], "q", "北京")
    path = user_dictionary()
    assert Path(path).is_dir() and list(Path(path).iterdir()) == []

    name = switch_language(kiosk, "ko")
    assert dock.hide_button.text().strip() == kiosk.tr("keyboard.hide")
    type_into(kiosk, name, ["ㅎ", "ㅏ", "ㄴ", "ㄱ", "ㅡ", "ㄹ", "space"], "ㅎ", "한글 ")

    name = switch_language(kiosk, "en")
    type_into(kiosk, name, [*"lamp"], "q", "lamp")


PROBE = (
    "import os, sys\n"
    "from ui.keyboard import available, prepare_environment\n"
    "if sys.argv[1] == 'late':\n"
    "    from PySide6.QtWidgets import QApplication\n"
    "    app = QApplication([])\n"
    "prepare_environment()\n"
    "env = os.environ.get\n"
    "print(env('QT_IM_MODULE'), env('QT_VIRTUALKEYBOARD_DESKTOP_DISABLE'), available())\n"
)


def probe(when: str, **env: str) -> str:
    """What the kiosk's start-up (desktop/launch.py create_app) decides, in a fresh interpreter."""
    base = {k: v for k, v in os.environ.items() if k not in ("QT_IM_MODULE", "YIZHAN_ONSCREEN_KEYBOARD")}
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", PROBE, when],
        env={**base, **env, "PYTHONPATH": str(root), "QT_QPA_PLATFORM": "offscreen"},
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.strip()


@outside
def test_keyboard_is_on_unless_switched_off() -> None:
    assert probe("early") == "qtvirtualkeyboard 1 True"  # volunteers have no physical keyboard
    assert probe("early", YIZHAN_ONSCREEN_KEYBOARD="0") == "None None False"  # a station with one
    # Too late once the app exists (the input method is chosen then): no dock that could not type.
    assert probe("late") == "None None False"


class FakeContext(QObject):
    changed = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.locale = "zh_CN"

    def tr(self, key: str, **_values: object) -> str:
        from ui import i18n

        return str(i18n.tr(self.locale, key))


@outside
def test_a_keyboard_that_cannot_load_leaves_a_kind_note(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui import keyboard

    broken = tmp_path / "keyboard.qml"
    broken.write_text("import QtQuick\nItem { this is not QML }\n", encoding="utf-8")
    monkeypatch.setattr(keyboard, "QML", broken)
    window = QWidget()
    qtbot.addWidget(window)
    window.resize(1366, 768)
    field = QLineEdit(window)
    field.setText("张桂")
    window.show()
    ctx = FakeContext()
    dock = keyboard.KeyboardDock(window, ctx)
    field.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is field)
    dock.show_for(field)
    qtbot.waitUntil(lambda: dock.isVisible(), timeout=5_000)
    assert dock.panel is not None and dock.panel.failed and not dock.panel.isVisible()
    assert dock.failure_note.isVisible()
    assert (
        dock.failure_note.text()
        == ctx.tr("keyboard.unavailable")
        == "屏幕键盘没有装好，请志愿者用实体键盘帮忙。"
    )
    assert field.text() == "张桂" and QApplication.focusWidget() is field  # nothing typed is lost
    assert (
        dock.geometry().bottom() == window.height() - 1 and dock.geometry().top() > field.geometry().bottom()
    )
