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

import os
import shutil
from pathlib import Path
from typing import Any

from PySide6.QtCore import QStandardPaths, Qt, QUrl
from PySide6.QtWidgets import QSizePolicy, QVBoxLayout, QWidget

QML = Path(__file__).with_name("keyboard.qml")
IM_MODULE = "qtvirtualkeyboard"
LOCALES = {"zh_CN": "zh_CN", "en": "en_US", "ko": "ko_KR"}
HEIGHT_PER_WIDTH = 0.31  # the default style's keyboard aspect: four rows of keys plus the candidate bar
MAX_WIDTH = 1400  # wider keys help nobody and push the text box off a 1080p screen


def prepare_environment() -> None:
    """Call before QApplication: route text input through the virtual keyboard (but no desktop
    pop-up window: the panel lives inside the kiosk)."""
    os.environ.setdefault("QT_IM_MODULE", IM_MODULE)
    os.environ.setdefault("QT_VIRTUALKEYBOARD_DESKTOP_DISABLE", "1")


def available() -> bool:
    if os.environ.get("QT_IM_MODULE") != IM_MODULE or not QML.is_file():
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
