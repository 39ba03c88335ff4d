"""The on-screen keyboard: Qt Virtual Keyboard (pinyin for zh_CN, Hangul for ko, English) embedded
in a QQuickWidget, so a widgets kiosk gets a visible panel inside its own window.

`prepare_environment()` must run before QApplication exists (it selects the virtual keyboard input
method); `KeyboardPanel` then types into whichever text field has focus. Keys come out ≈ 95 px tall
at 1366 px width, well over the 64 px target.

Privacy: the pinyin engine would learn committed phrases into a user dictionary under the user's
config folder (plaintext words a resident typed). `block_learning()` makes that path a directory,
so the engine runs with its built-in dictionary only and writes nothing.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QStandardPaths, Qt, QTimer, QUrl
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QSizePolicy,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

QML = Path(__file__).with_name("keyboard.qml")
IM_MODULE = "qtvirtualkeyboard"
LOCALES = {"zh_CN": "zh_CN", "en": "en_US", "ko": "ko_KR"}
HEIGHT_PER_WIDTH = 0.31  # the default style's keyboard aspect: four rows of keys plus the candidate bar
MAX_WIDTH = 1400  # wider keys help nobody and push the text box off a 1080p screen
DOCK_SHARE = 0.42  # the docked keyboard covers at most this share of the window height
OSK = "osk"  # a text field with this property set to False never calls the keyboard up


ENABLE_ENV = "YIZHAN_ONSCREEN_KEYBOARD"


def prepare_environment() -> None:
    """Call before QApplication: route text input through the virtual keyboard (but no desktop
    pop-up window: the panel lives inside the kiosk).

    Off unless YIZHAN_ONSCREEN_KEYBOARD=1: building the keyboard's QML scene hung once in a test
    process that had already run many kiosk windows (not understood yet), so it is opt-in until
    that is explained."""
    if os.environ.get(ENABLE_ENV) != "1":
        return
    os.environ.setdefault("QT_IM_MODULE", IM_MODULE)
    os.environ.setdefault("QT_VIRTUALKEYBOARD_DESKTOP_DISABLE", "1")


def available() -> bool:
    if os.environ.get(ENABLE_ENV) != "1" or os.environ.get("QT_IM_MODULE") != IM_MODULE or not QML.is_file():
        return False
    try:
        from PySide6.QtQuickWidgets import QQuickWidget  # noqa: F401
    except ImportError:
        return False
    return True


def user_dictionary() -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericConfigLocation)
    return Path(base) / "qtvirtualkeyboard" / "pinyin" / "usr_dict.dat"


def block_learning() -> Path:
    """Make the pinyin user dictionary impossible to write (see the module docstring)."""
    path = user_dictionary()
    try:
        if path.is_file() or path.is_symlink():
            path.unlink()  # words learned by an older build: remove them
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        if path.exists() and not path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
    return path


class KeyboardPanel(QWidget):
    """The keyboard; it types into the focused field and never takes focus itself."""

    def __init__(self, locale: str = "zh_CN", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from PySide6.QtQuickWidgets import QQuickWidget

        block_learning()
        self.view = QQuickWidget(self)
        self.view.setResizeMode(QQuickWidget.ResizeMode.SizeRootObjectToView)
        self.view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.view.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents)
        self.view.setClearColor(Qt.GlobalColor.transparent)
        self.view.setInitialProperties({"kioskLocale": LOCALES.get(locale, "zh_CN")})
        self.view.setSource(QUrl.fromLocalFile(str(QML)))
        self.view.setAccessibleName("on-screen keyboard")
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.view, 0, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._fit(1366)

    @property
    def ready(self) -> bool:
        from PySide6.QtQuickWidgets import QQuickWidget

        return self.view.status() == QQuickWidget.Status.Ready

    def set_locale(self, locale: str) -> None:
        root = self.view.rootObject()
        if root is not None:
            root.setProperty("kioskLocale", LOCALES.get(locale, "zh_CN"))

    def _fit(self, width: int) -> None:
        width = max(600, min(width, MAX_WIDTH))
        height = round(width * HEIGHT_PER_WIDTH)
        self.view.setFixedSize(width, height)
        self.setFixedHeight(height)

    def resizeEvent(self, event: Any) -> None:
        self._fit(event.size().width())
        super().resizeEvent(event)


def keyboard_panel(ctx: Any) -> QWidget:
    """The keyboard for the kiosk's locale, or a kind note when the input method is not set up."""
    if available():
        return KeyboardPanel(ctx.locale)
    from ui.widgets import label

    note = QWidget()
    box = QVBoxLayout(note)
    box.addWidget(label(ctx.tr("keyboard.unavailable"), "card"))
    box.addStretch(1)
    return note


def wants_keyboard(widget: QWidget | None) -> bool:
    """A text field a person types into (not read-only, not opted out with the `osk` property)."""
    if not isinstance(widget, QLineEdit | QPlainTextEdit | QTextEdit) or widget.isReadOnly():
        return False
    from ui.widgets import prop

    return prop(widget, OSK) is not False


class KeyboardDock(QFrame):
    """The keyboard docked over the bottom of the kiosk window while a text field has focus, with a
    big 收起键盘 button beside it. Its keys never take focus, so typing goes to the field."""

    def __init__(self, window: QWidget, ctx: Any) -> None:
        super().__init__(window)
        from ui.widgets import button

        self.ctx = ctx
        self.setObjectName("keyboardDock")
        self.setAutoFillBackground(True)
        self.setStyleSheet("#keyboardDock { background: #2b3137; border-top: 4px solid #17406B; }")
        self.panel: KeyboardPanel | None = None  # built on first use: the QML engine costs ≈ 0.5 s
        self.hide_button = button(ctx.tr("keyboard.hide"), "fa5s.chevron-down", "", self.dismiss)
        self.hide_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # tapping it must not move focus first
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(12, 8, 12, 8)
        self.row.setSpacing(12)
        self.row.addStretch(1)
        self.row.addWidget(self.hide_button, 0, Qt.AlignmentFlag.AlignTop)
        self.dismissed_for: QWidget | None = None
        window.installEventFilter(self)
        self.hide()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parent() and event.type() == QEvent.Type.Resize and self.isVisible():
            self.place()
        return False

    def keyboard(self) -> KeyboardPanel:
        if self.panel is None:
            self.panel = KeyboardPanel(self.ctx.locale, self)
            self.row.insertWidget(0, self.panel, 1)
        return self.panel

    def place(self) -> None:
        window = self.parentWidget()
        if window is None or self.panel is None:
            return
        room = window.width() - 200  # leave the hide button its place
        width = min(MAX_WIDTH, room, round(window.height() * DOCK_SHARE / HEIGHT_PER_WIDTH))
        self.panel._fit(width)
        self.panel.setFixedWidth(width)
        height = self.panel.height() + 16
        self.setGeometry(0, window.height() - height, window.width(), height)
        self.raise_()

    def show_for(self, field: QWidget) -> None:
        """Bring the keyboard up on the next turn of the event loop: building it inside a focus
        change (the virtual keyboard's input context is mid-update then) hangs Qt."""
        del field  # the input method types into whichever field has focus
        self.dismissed_for = None
        QTimer.singleShot(0, self._show_now)

    def _show_now(self) -> None:
        field = QApplication.focusWidget()
        if not wants_keyboard(field) or field is None:
            return  # focus moved on before the keyboard came up
        first = self.panel is None
        self.keyboard().set_locale(self.ctx.locale)
        if first:
            # The keyboard's input context learns of the focused field only on a focus change, and
            # this field had focus before the keyboard existed: hand focus over once more.
            field.clearFocus()
            field.setFocus(Qt.FocusReason.OtherFocusReason)
        self.place()
        self.show()
        self.raise_()

    def dismiss(self) -> None:
        self.dismissed_for = QApplication.focusWidget()
        self.hide()

    def follow_focus(self, _old: QWidget | None, new: QWidget | None) -> None:
        if new is not None and self.isAncestorOf(new):
            return
        if wants_keyboard(new) and new is not None and new.window() is self.window():
            if new is not self.dismissed_for:
                self.show_for(new)
        else:
            self.hide()


def install(window: QWidget, ctx: Any) -> KeyboardDock | None:
    """Dock the keyboard in `window`: it comes up for every text field that gets focus (volunteer
    forms, the resident's text step in 打字 mode) and goes when focus leaves text. None when the
    virtual keyboard input method is not active (the kiosk then relies on a physical keyboard)."""
    if not available():
        return None
    dock = KeyboardDock(window, ctx)
    app = QApplication.instance()
    if isinstance(app, QApplication):
        app.focusChanged.connect(dock.follow_focus)
        window.destroyed.connect(lambda *_: _disconnect(app, dock))
    return dock


def _disconnect(app: QApplication, dock: KeyboardDock) -> None:
    with contextlib.suppress(RuntimeError, TypeError):  # already gone with the window
        app.focusChanged.disconnect(dock.follow_focus)


def dock_of(widget: QWidget) -> KeyboardDock | None:
    window = widget.window()
    return window.findChild(KeyboardDock) if window is not None else None
